/** The clusters an instance traces: names, credentials, how audit events and diffs are matched. */
import { z } from 'zod';
import { brokenAt, cel } from '../cel.ts';
import { dnsLabel, secretKeyRef } from './common.ts';

const KUBECONFIG_SECRET = {
  rule: "(self.source == 'Secret') == has(self.secretRef)",
  message: 'kubeconfig.secretRef is required when source is Secret and not allowed otherwise',
};

export const clusterSpec = z
  .object({
    /** Appears in every span's cluster tag and in the audit webhook path /audit/<name>. */
    name: dnsLabel.meta({
      description: "Cluster name, a DNS label: it appears in every span's cluster tag and in the audit webhook path /audit/{name}.",
    }),
    kubeconfig: z
      .object({
        source: z
          .enum(['InCluster', 'Secret'])
          .default('InCluster')
          .meta({ description: "InCluster: the pods' own service account credentials; Secret: the kubeconfig in secretRef." }),
        secretRef: secretKeyRef('kubeconfig', 'Key of the Secret that holds the kubeconfig file.')
          .meta({ description: 'Secret holding a kubeconfig for this cluster, mounted into the Kelemetry pods; required when source is Secret.' })
          .optional(),
      })
      .meta(cel(KUBECONFIG_SECRET))
      .meta({ description: "How the Kelemetry processes authenticate to this cluster's apiserver." })
      .prefault({}),
    /** Overrides the apiserver URL found in the kubeconfig. */
    apiserver: z
      .string()
      .url()
      .max(512)
      .meta({ description: 'URL of the kube-apiserver, meant to override the one in the kubeconfig; this operator version does not pass it to the runtime yet.' })
      .optional(),
    /** After: diffs are indexed by the new resourceVersion; Before: by the old one (spec 7.4). */
    resourceVersionIndex: z
      .enum(['After', 'Before'])
      .default('After')
      .meta({
        description:
          'How diffs are matched to audit events: After by the new resourceVersion (needs RequestResponse audit level), Before by the old one (works with Metadata level).',
      }),
    audit: z
      .object({
        /** Whether this cluster's apiserver posts audit events to this instance's webhook. */
        enabled: z
          .boolean()
          .default(true)
          .meta({ description: "Whether this cluster's apiserver posts audit events to this instance; enabled clusters get a URL in status.auditWebhook." }),
        /** Source IPs of the apiservers, so posts to /audit (no cluster in the path) can be attributed. */
        sourceAddresses: z
          .array(z.string().max(64).meta({ description: "Source IP address of one of this cluster's apiservers." }))
          .max(32)
          .meta({ description: "Source IPs of this cluster's apiservers, so audit posts to /audit (no cluster in the path) are attributed to it." })
          .optional(),
      })
      .meta({ description: "How this cluster's audit events reach the consumer." })
      .prefault({}),
  })
  .meta({ description: 'A Kubernetes cluster this instance traces.' });

/** The CEL rule above, plus the unique names the API server gets from the list-map keys, in TypeScript. */
export function clustersIssues(clusters: z.output<typeof clusterSpec>[]): string[] {
  const names = clusters.map((c) => c.name);
  return clusters.flatMap((c, i) => [
    ...brokenAt(names.indexOf(c.name) !== i, `spec.clusters[${i}].name`, `duplicate cluster name "${c.name}"`),
    ...brokenAt((c.kubeconfig.source === 'Secret') !== (c.kubeconfig.secretRef !== undefined), `spec.clusters[${i}].kubeconfig`, KUBECONFIG_SECRET.message),
  ]);
}
