/**
 * Opt-in integrations with the cluster's monitoring and network stack: a Prometheus Operator
 * ServiceMonitor or PodMonitor (monitoring.coreos.com/v1) for every metrics port of the instance, and a
 * NetworkPolicy that denies ingress to the instance's pods except what each listener needs.
 */
import { z } from 'zod';
import { brokenAt, cel } from '../cel.ts';
import { stringMap } from './common.ts';

const labelSelectorRequirement = z
  .object({
    key: z.string().min(1).max(317).meta({ description: 'The label key.' }),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']).meta({ description: 'In, NotIn, Exists or DoesNotExist.' }),
    values: z.array(z.string().max(63)).max(64).meta({ description: 'Values for In and NotIn.' }).optional(),
  })
  .meta({ description: 'A label selector requirement.' });

/** A meta/v1 LabelSelector. */
export const labelSelector = z
  .object({
    matchLabels: stringMap.meta({ description: 'Labels the object must carry.' }).optional(),
    matchExpressions: z.array(labelSelectorRequirement).max(16).meta({ description: 'Requirements the labels must meet.' }).optional(),
  })
  .meta({ description: 'A label selector; empty selects everything.' });

const scrapeTarget = (kind: string) =>
  z
    .object({
      enabled: z.boolean().default(false).meta({ description: `Render a ${kind} (monitoring.coreos.com/v1) covering every component's metrics port.` }),
      interval: z
        .string()
        .max(16)
        .regex(/^([0-9]+(ms|s|m|h))+$/)
        .default('30s')
        .meta({ description: 'How often Prometheus scrapes each target (a Prometheus duration such as 30s).' }),
      labels: stringMap.meta({ description: `Labels of the ${kind}, for the Prometheus's ${kind === 'ServiceMonitor' ? 'serviceMonitorSelector' : 'podMonitorSelector'}.` }).optional(),
    })
    .meta({ description: `A ${kind} for the Prometheus Operator; applied only when its CRD is installed (else the Monitoring condition says so).` })
    .prefault({});

const ONE_MONITOR = {
  rule: '!(self.serviceMonitor.enabled && self.podMonitor.enabled)',
  message: 'enable serviceMonitor or podMonitor, not both: each would scrape every target',
};

export const monitoringSpec = z
  .object({
    serviceMonitor: scrapeTarget('ServiceMonitor'),
    podMonitor: scrapeTarget('PodMonitor'),
  })
  .meta(cel(ONE_MONITOR))
  .meta({
    description:
      "Prometheus Operator objects that scrape the instance: the Kelemetry pods (port 9090), the managed etcd (2381) and the managed Jaeger's own metrics (8888).",
  });

export const networkPolicySpec = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .meta({
        description:
          "Render NetworkPolicies that deny ingress to the instance's pods except: the audit webhook and the UI from anywhere; stores, OTLP and remote storage from the instance's own pods; metrics ports from metricsFrom.",
      }),
    metricsFrom: z
      .object({
        namespaceSelector: labelSelector.meta({ description: 'Namespaces whose pods may scrape (e.g. the one Prometheus runs in).' }).optional(),
        podSelector: labelSelector.meta({ description: 'Pods (in those namespaces) that may scrape.' }).optional(),
      })
      .meta({
        description:
          "Who may reach the metrics ports; unset: any source, which the operator's AuditFlowing check needs when the API server's pod proxy is outside the pod network.",
      })
      .optional(),
  })
  .meta({ description: 'An opt-in NetworkPolicy per component of the instance.' });

export type MonitoringSpec = z.output<typeof monitoringSpec>;
export type NetworkPolicySpec = z.output<typeof networkPolicySpec>;

/** The CEL rules of the monitoring section, in TypeScript. */
export function monitoringIssues(m: MonitoringSpec): string[] {
  return brokenAt(m.serviceMonitor.enabled && m.podMonitor.enabled, 'spec.monitoring', ONE_MONITOR.message);
}
