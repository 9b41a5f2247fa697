/**
 * One set of audit exclusions (types, user agents, users, namespaces, objects), compiled once. The static
 * set comes from `audit.filter`, a dynamic one per cluster from that cluster's filter ConfigMap (spec 5.6).
 */
export interface FilterRuleLists {
  /** `resource` (core group) or `group/resource`. */
  excludeTypes: string[];
  /** Substrings of the user agent. */
  excludeUserAgents: string[];
  /** Regular expressions on the effective username. */
  excludeUsers: string[];
  /** Regular expressions on the namespace ("" for cluster-scoped objects). */
  excludeNamespaces: string[];
  /** Regular expressions on `group/version/resource/namespace/name`. */
  excludeObjects: string[];
}

export type RuleReason = 'type' | 'userAgent' | 'user' | 'namespace' | 'object';

export interface RuleSubject {
  group: string;
  version: string;
  resource: string;
  namespace: string;
  name: string;
  userAgent: string;
  /** Computed only when a user rule exists. */
  user: () => string;
}

export class FilterRules {
  private readonly types: Set<string>;
  private readonly userAgents: string[];
  private readonly users: RegExp[];
  private readonly namespaces: RegExp[];
  private readonly objects: RegExp[];

  /** Throws on an invalid regular expression, naming it. */
  constructor(lists: FilterRuleLists) {
    // Core-group entries are written "pods"; keep them as "/pods" so lookups use one form.
    this.types = new Set(lists.excludeTypes.map((t) => (t.includes('/') ? t : `/${t}`)));
    this.userAgents = lists.excludeUserAgents;
    this.users = lists.excludeUsers.map(compile);
    this.namespaces = lists.excludeNamespaces.map(compile);
    this.objects = lists.excludeObjects.map(compile);
  }

  test(s: RuleSubject): RuleReason | undefined {
    if (this.types.has(`${s.group}/${s.resource}`)) return 'type';
    if (this.userAgents.some((ua) => s.userAgent.includes(ua))) return 'userAgent';
    if (this.users.length > 0) {
      const user = s.user();
      if (this.users.some((r) => r.test(user))) return 'user';
    }
    if (this.namespaces.some((r) => r.test(s.namespace))) return 'namespace';
    if (this.objects.length > 0) {
      const path = `${s.group}/${s.version}/${s.resource}/${s.namespace}/${s.name}`;
      if (this.objects.some((r) => r.test(path))) return 'object';
    }
    return undefined;
  }
}

function compile(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new Error(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`, { cause: err });
  }
}
