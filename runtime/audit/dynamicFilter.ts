/**
 * The dynamic audit filter (spec 5.6): in every cluster, the ConfigMap `audit.filter.dynamic`
 * (default `default/kelemetry-filter-config`) is watched and its rules apply to that cluster's events as
 * soon as it changes. Keys:
 *
 *   exclude-regex        one regular expression on `group/version/resource/namespace/name` (the original's key)
 *   exclude-users        regular expressions on the effective username, one per line
 *   exclude-user-agents  substrings of the user agent, one per line
 *   exclude-namespaces   regular expressions on the namespace, one per line
 *   exclude-resources    `resource` or `group/resource`, one per line
 *   exclude-objects      regular expressions on `group/version/resource/namespace/name`, one per line
 *
 * Blank lines and lines starting with `#` are ignored. An invalid ConfigMap clears the cluster's rules and
 * gets a Warning Event `InvalidConfig` (source `kelemetry-filter`); deleting it clears them too.
 */
import type { Registry } from 'prom-client';
import type { KubeClients } from '../k8s/clients.ts';
import { ListWatch, type KubeObject } from '../k8s/listWatch.ts';
import type { KubeRest } from '../k8s/rest.ts';
import { counter } from '../metrics/define.ts';
import type { Logger } from '../util/log.ts';
import type { AuditFilter } from './filter.ts';
import { FilterRules, type FilterRuleLists } from './filterRules.ts';

const LIST_KEYS: Record<string, keyof FilterRuleLists> = {
  'exclude-users': 'excludeUsers',
  'exclude-user-agents': 'excludeUserAgents',
  'exclude-namespaces': 'excludeNamespaces',
  'exclude-resources': 'excludeTypes',
  'exclude-objects': 'excludeObjects',
};

/** The rules of one ConfigMap's data; throws naming the bad key. */
export function parseFilterData(data: Record<string, string>): FilterRules {
  const lists: FilterRuleLists = { excludeTypes: [], excludeUserAgents: [], excludeUsers: [], excludeNamespaces: [], excludeObjects: [] };
  for (const [key, value] of Object.entries(data)) {
    if (key === 'exclude-regex') {
      if (value.trim()) lists.excludeObjects.push(value.trim());
      continue;
    }
    const field = LIST_KEYS[key];
    if (!field) throw new Error(`unknown key ${key} (known: exclude-regex, ${Object.keys(LIST_KEYS).join(', ')})`);
    const lines = value.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    if (field === 'excludeTypes') {
      const bad = lines.find((l) => !/^[^/]+(\/[^/]+)?$/.test(l));
      if (bad !== undefined) throw new Error(`${key}: "${bad}" is not "resource" or "group/resource"`);
    }
    lists[field].push(...lines);
  }
  try {
    return new FilterRules(lists);
  } catch (err) {
    throw new Error(`ConfigMap data: ${(err as Error).message}`, { cause: err });
  }
}

export interface DynamicFilterOptions {
  namespace: string;
  name: string;
  clients: KubeClients;
  filter: AuditFilter;
  logger: Logger;
  registry: Registry;
}

/** One ListWatch per cluster on the named ConfigMap; stop() ends them all. */
export class DynamicFilterWatcher {
  private readonly watches: ListWatch[] = [];
  private readonly updates;

  constructor(private readonly opts: DynamicFilterOptions) {
    this.updates = counter(opts.registry, 'audit_dynamic_filter_update_count', 'Dynamic audit filter ConfigMap changes applied, by result.', ['cluster', 'result']);
  }

  start(): void {
    const { namespace, name, clients, logger, registry } = this.opts;
    for (const cluster of clients.names()) {
      const rest = clients.get(cluster).rest;
      const apply = (cm: KubeObject | undefined) => this.apply(cluster, rest, cm);
      const watch = new ListWatch(
        { rest, path: `/api/v1/namespaces/${namespace}/configmaps`, fieldSelector: `metadata.name=${name}`, name: 'v1/configmaps', component: 'audit-filter', logger, registry },
        { onList: (items) => apply(items[0]), onEvent: (type, obj) => apply(type === 'DELETED' ? undefined : obj) },
      );
      watch.start();
      this.watches.push(watch);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.watches.map((w) => w.stop()));
  }

  private async apply(cluster: string, rest: KubeRest, cm: KubeObject | undefined): Promise<void> {
    const { filter, logger, namespace, name } = this.opts;
    if (!cm) {
      filter.setDynamic(cluster, undefined);
      this.updates.inc({ cluster, result: 'cleared' });
      return;
    }
    try {
      const rules = parseFilterData((cm.data ?? {}) as Record<string, string>);
      filter.setDynamic(cluster, rules);
      this.updates.inc({ cluster, result: 'applied' });
      logger.info('dynamic audit filter applied', { cluster, configMap: `${namespace}/${name}` });
    } catch (err) {
      filter.setDynamic(cluster, undefined);
      this.updates.inc({ cluster, result: 'invalid' });
      logger.warn('dynamic audit filter is invalid; cleared', { cluster, configMap: `${namespace}/${name}`, err });
      await warn(rest, cm, (err as Error).message).catch((e: unknown) => logger.warn('cannot record the InvalidConfig Event', { cluster, err: e }));
    }
  }
}

/** A Warning Event on the ConfigMap, as the original's `kelemetry-filter` recorder writes. */
async function warn(rest: KubeRest, cm: KubeObject, message: string): Promise<void> {
  const meta = cm.metadata as { name: string; namespace: string; uid?: string; resourceVersion?: string };
  const now = new Date().toISOString();
  await rest.create(`/api/v1/namespaces/${meta.namespace}/events`, {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${meta.name}.`, namespace: meta.namespace },
    involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', namespace: meta.namespace, name: meta.name, uid: meta.uid, resourceVersion: meta.resourceVersion },
    reason: 'InvalidConfig',
    message,
    type: 'Warning',
    source: { component: 'kelemetry-filter' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  });
}
