/** Which audit events the consumer traces: static exclusions, and each cluster's dynamic filter ConfigMap. */
import { z } from 'zod';
import { regexPattern } from '../../runtime/config/common.ts';
import { objectName } from './common.ts';

const list = (item: z.ZodString, description: string) => z.array(item).max(64).default([]).meta({ description });
const regex = regexPattern.max(1024);

export const auditFilterSpec = z
  .object({
    excludeUsers: list(regex, 'Regular expressions (JavaScript syntax) on the effective username; matching events are not traced.'),
    excludeUserAgents: list(
      z.string().min(1).max(256),
      'Substrings of the user agent; matching events are not traced (in addition to leader-election and local-path-provisioner requests).',
    ),
    excludeNamespaces: list(regex, 'Regular expressions on the namespace ("" for cluster-scoped objects); matching events are not traced.'),
    excludeResources: list(
      z
        .string()
        .max(317)
        .regex(/^[^/]+(\/[^/]+)?$/),
      'Resources never traced, as "resource" (core group) or "group/resource" (in addition to Events and Leases).',
    ),
    excludeObjects: list(regex, 'Regular expressions on "group/version/resource/namespace/name" of the object; matching events are not traced.'),
    configMap: z
      .object({
        enabled: z.boolean().default(true).meta({ description: "Watch the ConfigMap in every traced cluster and apply its rules to that cluster's events." }),
        namespace: objectName.default('default').meta({ description: 'Namespace of the ConfigMap in each traced cluster.' }),
        name: objectName.default('kelemetry-filter-config').meta({ description: 'Name of the ConfigMap.' }),
      })
      .meta({
        description:
          'The dynamic filter: a ConfigMap in each traced cluster with keys exclude-regex (one regular expression on group/version/resource/namespace/name) and exclude-users, exclude-user-agents, exclude-namespaces, exclude-resources, exclude-objects (one entry per line). Changes apply at once; an invalid ConfigMap clears its rules and gets a Warning Event InvalidConfig.',
      })
      .prefault({}),
  })
  .meta({ description: 'Audit events the consumer does not trace. Changes to these fields apply without restarting the consumer pods (within about a minute).' });
