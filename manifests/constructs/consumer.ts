/** The consumer role: the audit webhook the apiservers post to, and the consumers that turn events into spans. */
import { k8s } from 'cdk8s-plus-33';
import { Construct } from 'constructs';
import { restartRelevantConfig } from '../auditConfig.ts';
import { PATHS, PORTS } from '../ports.ts';
import { auditTokenRef, webhookTlsSecretName } from '../runtimeConfig.ts';
import { containerPort } from '../workload.ts';
import { Component } from './component.ts';
import type { InstanceContext } from './context.ts';
import { kelemetryContainer, kelemetryFiles, kelemetryPodSpec } from './kelemetryPod.ts';
import { servicePort, serviceProps } from './service.ts';

export class Consumer extends Construct {
  constructor(scope: Construct, id: string, ctx: InstanceContext, configYaml: string) {
    super(scope, id);
    const { audit } = ctx.inst.spec;
    const files = kelemetryFiles(ctx);
    const tlsSecret = webhookTlsSecretName(ctx.inst);
    if (tlsSecret) files.mount({ name: 'webhook-tls', secret: { secretName: tlsSecret } }, PATHS.webhookTls);
    const ca = audit.auth.clientCaSecretRef;
    if (audit.auth.mode === 'ClientCertificate' && ca) files.mountSecretKey('webhook-client-ca', ca, PATHS.webhookClientCa);
    // A file, never an environment variable: the token does not show in `kubectl describe pod` or /proc/<pid>/environ.
    const token = auditTokenRef(ctx.inst);
    if (token) files.mountSecretKey('webhook-token', token, PATHS.webhookToken);
    const queueRedis = audit.queue.backend === 'redis' ? audit.queue.redis : undefined;
    if (queueRedis?.tlsSecretRef) files.mount({ name: 'audit-queue-redis-tls', secret: { secretName: queueRedis.tlsSecretRef.name } }, PATHS.auditQueueRedisTls);
    if (queueRedis?.passwordSecretRef) files.mountSecretKey('audit-queue-redis-password', queueRedis.passwordSecretRef, PATHS.auditQueueRedisPassword);
    const container = kelemetryContainer(ctx, 'consumer', audit.pod, files, [containerPort('webhook', PORTS.webhook)]);

    const ports = [servicePort('webhook', PORTS.webhook, audit.service.nodePort)];
    new k8s.KubeService(this, 'service', serviceProps(ctx, 'webhook', 'consumer', ports, { type: audit.service.type }));
    new Component(this, 'workload', {
      ctx,
      component: 'consumer',
      replicas: audit.replicas,
      pod: audit.pod,
      spec: kelemetryPodSpec(ctx, 'consumer', files, [container]),
      // The consumer reloads its audit filter itself: a filter edit must not roll its pods.
      configText: restartRelevantConfig(configYaml),
    });
  }
}
