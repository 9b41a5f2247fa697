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
