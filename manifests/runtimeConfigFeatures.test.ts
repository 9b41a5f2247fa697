/** Spec fields of the optional features reach the runtime config of the role that uses them. */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseInstance } from '../api/types.ts';
import { parseConfig } from '../runtime/config/load.ts';
import { renderInstance } from './instance.ts';
import { CONFIG_HASH_ANNOTATION } from './naming.ts';
import { renderRuntimeConfig } from './runtimeConfig.ts';

const instance = (spec: Record<string, unknown>) =>
  parseInstance({ apiVersion: 'kelemetry.io/v1alpha1', kind: 'KelemetryInstance', metadata: { name: 'k', namespace: 'ns' }, spec: { version: '0.1.0', clusters: [{ name: 'east' }], ...spec } });

describe('feature fields in the rendered runtime config', () => {
  it("metrics.originalNames, resourceTags and informers.diff.debugApi reach every role's config (off and the original's tags by default)", () => {
    const inst = instance({ metrics: { originalNames: true }, resourceTags: { mapping: ['pods#nodes:spec.nodeName', 'deployments.apps#replicas:spec.replicas'] }, informers: { diff: { debugApi: true } } });
    for (const role of ['consumer', 'informers', 'frontend'] as const) {
      const config = parseConfig(renderRuntimeConfig(inst, role), role);
      expect(config.metrics.originalNames, role).toBe(true);
      if (config.tracer) expect(config.tracer.resourceTags.mapping, role).toEqual(['pods#nodes:spec.nodeName', 'deployments.apps#replicas:spec.replicas']);
    }
    expect(parseConfig(renderRuntimeConfig(inst, 'informers'), 'informers').informers?.diffApi).toEqual({ listen: '0.0.0.0:8082' });
    const informersPod = (renderInstance(inst).objects as { kind: string; metadata: { name: string } }[]).find((o) => o.kind === 'Deployment' && o.metadata.name === 'k-informers') as unknown as { spec: { template: { spec: { containers: { ports: { name: string; containerPort: number }[] }[] } } } };
    expect(informersPod.spec.template.spec.containers[0]!.ports).toContainEqual(expect.objectContaining({ name: 'diff-api', containerPort: 8082 }));

    const defaults = parseConfig(renderRuntimeConfig(instance({}), 'informers'), 'informers');
    expect([defaults.metrics.originalNames, defaults.informers?.diffApi, defaults.tracer?.resourceTags.mapping]).toEqual([false, undefined, ['pods#nodes:spec.nodeName']]);
  });

  it('refuses a resource tag mapping the runtime could not parse, naming the field', () => {
    expect(() => instance({ resourceTags: { mapping: ['no-hash-here'] } })).toThrow(/spec.resourceTags.mapping/);
  });

  it('frontend.uiUrl becomes plugin.uiUrl (absent by default)', () => {
    const withUi = parseConfig(renderRuntimeConfig(instance({ frontend: { uiUrl: 'https://ui.example.com/jaeger/' } }), 'frontend'), 'frontend');
    expect(withUi.plugin?.uiUrl).toBe('https://ui.example.com/jaeger/');
    expect(parseConfig(renderRuntimeConfig(instance({}), 'frontend'), 'frontend').plugin?.uiUrl).toBeUndefined();
  });

  it('audit.filter adds to the runtime defaults and names the dynamic ConfigMap', () => {
    const inst = instance({ audit: { filter: { excludeUsers: ['^bot-'], excludeResources: ['secrets'], excludeUserAgents: ['helm/'], configMap: { namespace: 'ops' } } } });
    const filter = parseConfig(renderRuntimeConfig(inst, 'consumer'), 'consumer').audit!.filter;
    expect(filter).toMatchObject({
      excludeUsers: ['^bot-'],
      excludeTypes: ['events', 'events.k8s.io/events', 'coordination.k8s.io/leases', 'secrets'],
      excludeUserAgents: ['/leader-election', 'local-path-provisioner/', 'helm/'],
      dynamic: { enabled: true, namespace: 'ops', name: 'kelemetry-filter-config' },
    });
  });

  it('editing audit.filter changes the consumer config but not its pods (the consumer reloads it)', () => {
    const consumerHash = (spec: Record<string, unknown>) => {
      const r = renderInstance(instance(spec));
      const d = r.objects.find((o) => o.kind === 'Deployment' && (o.metadata as { name: string }).name.endsWith('consumer')) as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
      return { hash: d.spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION], config: parse(r.configs.consumer) as unknown };
    };
    const a = consumerHash({});
    const b = consumerHash({ audit: { filter: { excludeNamespaces: ['^kube-'] } } });
    expect(b.config).not.toEqual(a.config);
    expect(b.hash).toBe(a.hash);
    expect(consumerHash({ audit: { workers: 3 } }).hash).not.toBe(a.hash);
  });

  it('audit.dump enabled becomes audit.dump.file in the pod /tmp, sizes in bytes; absent by default', () => {
    const on = parseConfig(renderRuntimeConfig(instance({ audit: { dump: { enabled: true, maxSizeMiB: 5 } } }), 'consumer'), 'consumer').audit!.dump;
    expect(on).toMatchObject({ file: '/tmp/audit-dump.jsonl', maxBytes: 5 * 1024 * 1024, maxFiles: 3 });
    expect(parseConfig(renderRuntimeConfig(instance({}), 'consumer'), 'consumer').audit!.dump.file).toBeUndefined();
  });
});
