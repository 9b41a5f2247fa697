/** Container ports, in one place because configs, Services and probes must agree. */
export const PORTS = {
  webhook: 8080,
  metrics: 9090,
  pluginGrpc: 17271,
  pluginHttp: 8081,
  diffApi: 8082,
  query: 16686,
  queryGrpc: 16685,
  jaegerHealth: 13133,
  /** The managed Jaeger processes' own Prometheus metrics (their OpenTelemetry Collector telemetry). */
  jaegerMetrics: 8888,
  otlpGrpc: 4317,
  remoteStorage: 17271,
  etcdClient: 2379,
  etcdPeer: 2380,
  /** Plain HTTP /health and /metrics of etcd, for probes (the client port requires a client certificate). */
  etcdMetrics: 2381,
} as const;

/** Where files are mounted inside Kelemetry containers. */
export const PATHS = {
  config: '/etc/kelemetry/config',
  clusters: '/etc/kelemetry/clusters',
  webhookTls: '/etc/kelemetry/webhook-tls',
  webhookClientCa: '/etc/kelemetry/webhook-client-ca',
  webhookToken: '/etc/kelemetry/webhook-token',
  etcdTls: '/etc/kelemetry/etcd-tls',
  redisTls: '/etc/kelemetry/redis-tls',
  /** Store passwords, one Secret key each (the runtime config names the file, never the value). */
  etcdPassword: '/etc/kelemetry/etcd-password',
  redisPassword: '/etc/kelemetry/redis-password',
  /** The durable audit queue's Redis (spec.audit.queue.redis), mounted in the consumer only. */
  auditQueueRedisTls: '/etc/kelemetry/audit-queue-redis-tls',
  auditQueueRedisPassword: '/etc/kelemetry/audit-queue-redis-password',
  displayModes: '/etc/kelemetry/display-modes',
  /** The instance CA (ca.crt only) the Kelemetry pods verify the managed Jaeger's certificates with. */
  jaegerCa: '/etc/kelemetry/jaeger-ca',
  jaegerConfig: '/etc/jaeger',
  /** A managed Jaeger process's serving certificate (tls.crt, tls.key) and the instance CA (ca.crt). */
  jaegerTls: '/etc/jaeger-tls',
  jaegerData: '/var/lib/jaeger',
} as const;


