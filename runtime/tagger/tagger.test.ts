import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { RichObject, SpanEvent } from '../aggregator/types.ts';
import { parseConfig } from '../config/load.ts';
import { resourceTagsSection } from './config.ts';
import { evaluatePath, parseTagMapping } from './mapping.ts';
import { ResourceTagger } from './tagger.ts';

const pod = (raw?: Record<string, unknown>): RichObject => ({ cluster: 'c', group: '', version: 'v1', resource: 'pods', namespace: 'default', name: 'p', raw });
const audit = (verb: string): SpanEvent => ({ title: `alice ${verb}`, traceSource: 'audit', startMs: 0, tags: { tag: verb }, logs: [] });

describe('resource tag mapping', () => {
  it('parses resource[.group]#tag:path;tag:path, also in the original JSONPath spelling', () => {
    const m = parseTagMapping(['pods#nodes:spec.nodeName;image:{.spec.containers[0].image}', 'deployments.apps#replicas:.spec.replicas']);
    expect([...m.keys()]).toEqual(['/pods', 'apps/deployments']);
    expect(m.get('/pods')!.get('image')).toEqual(['spec', 'containers', '0', 'image']);
    expect(m.get('apps/deployments')!.get('replicas')).toEqual(['spec', 'replicas']);
  });

  it('rejects malformed entries in the config, naming them', () => {
    expect(() => parseTagMapping(['pods'])).toThrow(/"pods": want resource/);
    expect(() => parseTagMapping(['pods#nodes'])).toThrow(/"nodes" is not tag:path/);
    expect(resourceTagsSection.safeParse({ mapping: ['pods#:x'] }).success).toBe(false);
  });

  it('prints values as tags, skipping absent and empty ones', () => {
    const obj = { spec: { nodeName: 'n1', replicas: 3, containers: [{ image: 'nginx' }], empty: '', sel: { a: 'b' } } };
    expect(evaluatePath(obj, ['spec', 'nodeName'])).toBe('n1');
    expect(evaluatePath(obj, ['spec', 'replicas'])).toBe('3');
    expect(evaluatePath(obj, ['spec', 'containers', '0', 'image'])).toBe('nginx');
    expect(evaluatePath(obj, ['spec', 'sel'])).toBe('{"a":"b"}');
    expect(evaluatePath(obj, ['spec', 'empty'])).toBeUndefined();
    expect(evaluatePath(obj, ['status', 'phase'])).toBeUndefined();
  });
});

describe('ResourceTagger', () => {
  const defaults = parseConfig({ clusters: [{ name: 'c' }], tracer: { otlpEndpoint: 'x:1' } }).tracer!.resourceTags;

  it('by default tags Pods with their node on object spans and on create/update/patch audit spans', () => {
    const t = new ResourceTagger(defaults, new Registry());
    const scheduled = pod({ spec: { nodeName: 'kwok-node-0' } });
    expect(t.objectTags(scheduled)).toEqual({ nodes: 'kwok-node-0' });
    expect(t.eventTags(scheduled, audit('patch'))).toEqual({ nodes: 'kwok-node-0' });
    expect(t.eventTags(scheduled, audit('delete'))).toEqual({});
    expect(t.eventTags(scheduled, { ...audit('create'), traceSource: 'event' })).toEqual({});
    expect(t.objectTags(pod({ spec: {} }))).toEqual({});
    expect(t.objectTags(pod())).toEqual({});
    expect(t.objectTags({ ...scheduled, resource: 'deployments', group: 'apps' })).toEqual({});
  });

  it('follows the switches', () => {
    const t = new ResourceTagger({ ...defaults, objectSpans: false, eventVerbs: ['create'] }, new Registry());
    const scheduled = pod({ spec: { nodeName: 'n' } });
    expect(t.objectTags(scheduled)).toEqual({});
    expect(t.eventTags(scheduled, audit('patch'))).toEqual({});
    expect(t.eventTags(scheduled, audit('create'))).toEqual({ nodes: 'n' });
  });
});
