/** The consumer: the audit webhook, how it authenticates apiservers, forwarding, audit-derived metrics. */
import { z } from 'zod';
import { durationText } from '../../runtime/config/common.ts';
import { kelemetrixSectionOf } from '../../runtime/config/sections/kelemetrix.ts';
import { brokenAt, cel } from '../cel.ts';
import { auditDumpSpec } from './auditDump.ts';
import { auditFilterSpec } from './auditFilter.ts';
import { auditQueueIssues, auditQueueSpec } from './auditQueue.ts';
import { dnsLabel, objectName, replicas, secretKeyRef, workers } from './common.ts';
import { podOptionsFor, serviceIssues, serviceOptions } from './pod.ts';
import { RESOURCE_DEFAULTS } from './resourceDefaults.ts';

const CLIENT_CERT_NEEDS_CA = {
  rule: "self.mode != 'ClientCertificate' || has(self.clientCaSecretRef)",
  message: 'auth.clientCaSecretRef is required when auth.mode is ClientCertificate',
};
const CLIENT_CERT_NEEDS_TLS = { rule: "self.auth.mode != 'ClientCertificate' || self.tls.enabled", message: 'auth.mode ClientCertificate needs tls.enabled' };

/** The runtime's own kelemetrix section, durations kept as text (spec.clusters keys are checked in spec.ts). */
const kelemetrixSpec = kelemetrixSectionOf(durationText, (text) => durationText.default(text)).meta({
  description: 'Audit-derived metrics ("kelemetrix") the consumer exports on its metrics port; none when unset.',
});

export const auditSpec = z
  .object({
    replicas: replicas(3).meta({ description: 'Replicas of the consumer Deployment (audit webhook and consumer); a PodDisruptionBudget is added above 1.' }),
    /** Consumer partitions (the original's source.webhook.workerCount). */
    workers: workers(8).meta({
      description: "Queue partitions, each with one consumer worker (the original's source.webhook.workerCount); events of one object stay in one partition, in order.",
    }),
    queue: auditQueueSpec.prefault({}),
    tls: z
      .object({
        // On by default: kube-apiserver sends bearer tokens (the default authentication) over TLS only.
        enabled: z.boolean().default(true).meta({ description: 'Serve the audit webhook over HTTPS (default). Off only behind something that encrypts for it.' }),
        /** A kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) for the webhook's serving certificate. */
        secretName: objectName
          .meta({
            description:
              "kubernetes.io/tls Secret in the instance namespace with the webhook's serving certificate (keys tls.crt, tls.key, and ca.crt for `kelemetry audit-webhook-config`). When unset, the operator issues <instance>-webhook-tls from its own CA (Secret <instance>-ca) for the Service's names and addresses, and re-issues it before it expires.",
          })
          .optional(),
      })
      .meta({ description: 'HTTPS for the audit webhook.' })
      .prefault({}),
    auth: z
      .object({
        mode: z
          .enum(['None', 'Token', 'ClientCertificate'])
          // Secure by default: a webhook anyone in the cluster can post to lets them forge audit records.
          .default('Token')
          .meta({
            description:
              'How the webhook checks who posts: Token (default) requires a bearer token (`kelemetry audit-webhook-config` prints the apiserver\'s webhook kubeconfig with it); ClientCertificate requires a client certificate signed by clientCaSecretRef (needs tls.enabled); None accepts any caller (tests and development only).',
          }),
        /** Bearer token the apiservers send (mode Token); the operator generates one when unset. */
        tokenSecretRef: secretKeyRef('token', 'Key of the Secret that holds the token.')
          .meta({
            description:
              'Secret holding the bearer token the apiservers send (mode Token). When unset the operator creates the Secret <instance>-audit-token (key token) with a random token, once, and reports it in status.auditWebhook.tokenSecretRef.',
          })
          .optional(),
        /** CA that signs the apiservers' client certificates (mode ClientCertificate). */
        clientCaSecretRef: secretKeyRef('ca.crt', 'Key of the Secret that holds the PEM CA certificate.')
          .meta({ description: "Secret holding the CA certificate that signs the apiservers' client certificates (mode ClientCertificate)." })
          .optional(),
      })
      .meta(cel(CLIENT_CERT_NEEDS_CA))
      .meta({ description: 'How the audit webhook authenticates the apiservers that post to it.' })
      .prefault({}),
    /** Copies of every accepted audit batch are POSTed to these URLs. */
    forward: z
      .array(
        z
          .object({
            name: dnsLabel.meta({ description: 'Name of the target in metrics and logs; a DNS label.' }),
            url: z.string().url().max(512).meta({ description: 'http(s) URL each batch is POSTed to; :cluster in it is replaced by the cluster name.' }),
          })
          .meta({ description: 'One forward target.' }),
      )
      .max(16)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .meta({ description: 'Targets the consumer re-POSTs a copy of every accepted audit batch to, keyed by name.' })
      .optional(),
    kelemetrix: kelemetrixSpec.optional(),
    filter: auditFilterSpec.prefault({}),
    dump: auditDumpSpec.prefault({}),
    inferObjectRef: z
      .boolean()
      .default(true)
      .meta({ description: "For audit events whose objectRef has no resource, find the object from the response object's kind through the cluster's discovery." }),
    service: serviceOptions.meta({ description: 'The Service in front of the audit webhook (port 8080), which the apiservers post to.' }).prefault({}),
    pod: podOptionsFor(RESOURCE_DEFAULTS.consumer).meta({ description: 'Scheduling and resources of the consumer pods.' }).prefault({}),
  })
  .meta(cel(CLIENT_CERT_NEEDS_TLS))
  .meta({ description: 'The consumer Deployment: the audit webhook that receives kube-apiserver audit events and writes them as spans.' });

/** The CEL rules above, in TypeScript. */
export function auditIssues(audit: z.output<typeof auditSpec>): string[] {
  const { tls, auth } = audit;
  return [
    ...brokenAt(auth.mode === 'ClientCertificate' && !auth.clientCaSecretRef, 'spec.audit.auth', CLIENT_CERT_NEEDS_CA.message),
    ...brokenAt(auth.mode === 'ClientCertificate' && !tls.enabled, 'spec.audit', CLIENT_CERT_NEEDS_TLS.message),
    ...serviceIssues(audit.service, 'spec.audit.service'),
    ...auditQueueIssues(audit.queue),
  ];
}
