/**
 * Operator metrics, named like controller-runtime's so existing dashboards apply. The watches' own
 * metrics (kube_list_count, kube_watch_event_count, kube_watch_error_count, component="operator") come
 * from runtime/k8s's ListWatch.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface OperatorMetrics {
  reconcileTotal: Counter<'controller' | 'result'>;
  reconcileErrors: Counter<'controller'>;
  terminalErrors: Counter<'controller'>;
  reconcileTime: Histogram<'controller'>;
  activeWorkers: Gauge<'controller'>;
  queueDepth: Gauge;
  queueAdds: Counter;
  queueRetries: Counter;
  leader: Gauge;
  kubeWrites: Counter<'verb'>;
  auditFlowingChecks: Counter<'result'>;
  events: Counter<'type' | 'reason' | 'result'>;
  metricsAuth: Counter<'result'>;
}

export function createOperatorMetrics(registry: Registry): OperatorMetrics {
  const r = [registry];
  return {
    reconcileTotal: new Counter({ name: 'controller_runtime_reconcile_total', help: 'Reconciles by result', labelNames: ['controller', 'result'], registers: r }),
    reconcileErrors: new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Reconciles that failed and were requeued', labelNames: ['controller'], registers: r }),
    terminalErrors: new Counter({ name: 'controller_runtime_terminal_reconcile_errors_total', help: 'Reconciles that failed in a way retrying cannot fix', labelNames: ['controller'], registers: r }),
    reconcileTime: new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Reconcile duration', labelNames: ['controller'], registers: r, buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] }),
    activeWorkers: new Gauge({ name: 'controller_runtime_active_workers', help: 'Workers reconciling now', labelNames: ['controller'], registers: r }),
    queueDepth: new Gauge({ name: 'workqueue_depth', help: 'Keys waiting in the work queue', registers: r }),
    queueAdds: new Counter({ name: 'workqueue_adds_total', help: 'Keys added to the work queue', registers: r }),
    queueRetries: new Counter({ name: 'workqueue_retries_total', help: 'Rate-limited re-adds', registers: r }),
    leader: new Gauge({ name: 'kelemetry_operator_leader', help: '1 while this process holds the leader lease', registers: r }),
    kubeWrites: new Counter({ name: 'kelemetry_operator_kube_writes_total', help: 'Write requests sent to the API server, by verb', labelNames: ['verb'], registers: r }),
    auditFlowingChecks: new Counter({
      name: 'kelemetry_operator_audit_flowing_checks_total',
      help: 'AuditFlowing diagnoses of an instance, by result: changed (status rewritten), unchanged, error',
      labelNames: ['result'],
      registers: r,
    }),
    events: new Counter({
      name: 'kelemetry_operator_events_total',
      help: 'Kubernetes Events written about instances, by type, reason and result (created, error)',
      labelNames: ['type', 'reason', 'result'],
      registers: r,
    }),
    metricsAuth: new Counter({
      name: 'kelemetry_operator_metrics_auth_total',
      help: 'Requests for /metrics by decision: allowed, unauthenticated (401), forbidden (403), error',
      labelNames: ['result'],
      registers: r,
    }),
  };
}
