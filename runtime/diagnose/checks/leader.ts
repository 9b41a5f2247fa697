/**
 * Leader state: `is_leader_gauge{component, leaderId}` (the original's `is_leader` gauge) summed over
 * the scraped processes gives how many hold each slot; exactly one should. Also the operator's own
 * `kelemetry_operator_leader` when an operator was scraped.
 */
import type { MetricSet } from '../metricSet.ts';
import type { DiagnoseContext, Finding } from '../types.ts';
import { absent } from './wording.ts';

export function leaderState(set: MetricSet, _ctx: DiagnoseContext): Finding {
  const id = 'leaderState';
  const hasSlots = set.has('is_leader_gauge');
  const hasOperator = set.has('kelemetry_operator_leader');
  if (!hasSlots && !hasOperator) return absent(id, 'leader state');

  // component -> slot -> holders
  const slots = new Map<string, Map<string, number>>();
  for (const { labels, value } of set.current('is_leader_gauge')) {
    const component = labels.component ?? '';
    const perSlot = slots.get(component) ?? new Map<string, number>();
    slots.set(component, perSlot);
    perSlot.set(labels.leaderId ?? '', (perSlot.get(labels.leaderId ?? '') ?? 0) + (value > 0 ? 1 : 0));
  }
  if (hasOperator) slots.set('operator', new Map([['0', set.current('kelemetry_operator_leader').filter((s) => s.value > 0).length]]));

  const held: string[] = [];
  const problems: string[] = [];
  let figure = 0;
  for (const [component, perSlot] of [...slots.entries()].sort()) {
    const ids = [...perSlot.keys()].sort();
    const holders = ids.filter((i) => perSlot.get(i) === 1).length;
    figure += holders;
    held.push(`${component} ${holders}/${ids.length}`);
    const none = ids.filter((i) => perSlot.get(i) === 0);
    const many = ids.filter((i) => (perSlot.get(i) ?? 0) > 1);
    if (none.length) problems.push(`no scraped process leads ${component} slot ${none.join(', ')}`);
    if (many.length) problems.push(`${component} slot ${many.join(', ')} is led by more than one process`);
  }
  const message = held.length ? `leader slots held: ${held.join(', ')}` : 'no leader slots reported yet';
  if (problems.length === 0) return { id, ok: true, figure, message, suggestion: '' };
  return {
    id,
    ok: false,
    figure,
    message: `${message}; ${problems.join('; ')}`,
    suggestion:
      'check that the informers Deployment has ready replicas (or scrape all of them), that its ServiceAccount may get/create/update ' +
      'Leases in the election namespace (informers.*.leaderElection.namespace), and that clocks agree; two leaders of one slot mean ' +
      'the lease duration is shorter than a renewal takes',
  };
}
