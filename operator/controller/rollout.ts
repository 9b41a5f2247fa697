/**
 * Upgrade ordering. Changing spec.version rolls stores first, then informers and consumers, then the
 * frontend: a group is rendered at the new version only when every earlier group runs the new version
 * and is ready. Until then it stays at the version it runs (read from the live object's version label).
 * Rolling back is the same walk towards the old version.
 */
import { ROLLOUT_GROUPS, type ComponentId } from '../../manifests/naming.ts';

export interface LiveComponent {
  id: ComponentId;
  /** The version label of the live workload; undefined when it does not exist yet. */
  version?: string;
  /** Every replica updated, ready and observed by its controller. */
  ready: boolean;
}

export type RolloutPhase = 'Idle' | 'Stores' | 'Workers' | 'Frontend';

export interface RolloutPlan {
  versions: Partial<Record<ComponentId, string>>;
  phase: RolloutPhase;
  message: string;
}

/**
 * `rendered` lists the components this instance has (e.g. no etcd with external stores); `live` their
 * observed state.
 */
export function planRollout(desired: string, rendered: ComponentId[], live: LiveComponent[]): RolloutPlan {
  const byId = new Map(live.map((c) => [c.id, c]));
  const versions: Partial<Record<ComponentId, string>> = {};
  let blockedBy: { phase: RolloutPhase; pending: ComponentId[] } | undefined;
  for (const group of ROLLOUT_GROUPS) {
    const members = group.components.filter((id) => rendered.includes(id));
    for (const id of members) {
      const current = byId.get(id)?.version;
      // A component that does not exist yet is created at the desired version: nothing to roll.
      versions[id] = blockedBy && current ? current : desired;
    }
    if (blockedBy) continue;
    const pending = members.filter((id) => {
      const c = byId.get(id);
      return !c || c.version !== desired || !c.ready;
    });
    if (pending.length) blockedBy = { phase: group.phase, pending };
  }
  const anyOld = live.some((c) => rendered.includes(c.id) && c.version !== undefined && c.version !== desired);
  if (!blockedBy) return { versions, phase: 'Idle', message: `all components run ${desired}` };
  if (!anyOld && blockedBy.pending.every((id) => byId.get(id)?.version === desired || !byId.get(id))) {
    // Nothing runs an older version: this is an install or a restart, not an upgrade.
    return { versions, phase: 'Idle', message: `waiting for ${blockedBy.pending.join(', ')}` };
  }
  return { versions, phase: blockedBy.phase, message: `rolling ${blockedBy.phase.toLowerCase()} to ${desired}: waiting for ${blockedBy.pending.join(', ')}` };
}
