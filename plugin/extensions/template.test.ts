import { describe, expect, it } from 'vitest';
import { compileTemplate, objectApiPath, templateArgs } from './template.ts';

const pod = { cluster: 'c1', group: '', version: 'v1', resource: 'pods', namespace: 'ns', name: 'p' };
const deploy = { ...pod, group: 'apps', resource: 'deployments', name: 'd' };
const startUs = Date.parse('2025-01-02T10:00:00Z') * 1000;

describe('extension templates', () => {
  it('substitutes fields, index keys and unixMicro times', () => {
    const args = templateArgs({ object: deploy, tags: { 'zzz-traceSource': 'object', auditId: 'a1' }, startUs, endUs: startUs + 5, signal: new AbortController().signal });
    const render = (t: string) => compileTemplate(t, 't').render(args);
    expect(render('{{.cluster}}/{{ .groupVersion }}/{{.groupResource}}/{{.namespace}}/{{.name}}')).toBe('c1/apps/v1/deployments.apps/ns/d');
    expect(render('{{.objectApiPath}}')).toBe('/apis/apps/v1/namespaces/ns/deployments/d');
    expect(render('{{index . "zzz-traceSource"}} {{.auditId}}')).toBe('object a1');
    expect(render('{{unixMicro .start}}-{{.end | unixMicro}}')).toBe(`${startUs}-${startUs + 5}`);
    expect(render('{{.start}}')).toBe('2025-01-02T10:00:00.000Z');
    // A missing key is '' (Go prints "<no value>"); unixMicro of a non-time is '' as in the original.
    expect(render('[{{.missing}}][{{unixMicro .name}}]')).toBe('[][]');
    expect(render('no actions')).toBe('no actions');
  });

  it('gives audit spans resourceVersion and lets span tags override', () => {
    const args = templateArgs({ object: pod, tags: { name: 'from-tag' }, resourceVersion: '42', startUs, endUs: startUs, signal: new AbortController().signal });
    expect(args.strings).toMatchObject({ resourceVersion: '42', name: 'from-tag', groupVersion: 'v1', groupResource: 'pods' });
  });

  it('builds API paths as kube-apiserver does', () => {
    expect(objectApiPath(pod)).toBe('/api/v1/namespaces/ns/pods/p');
    expect(objectApiPath({ ...pod, resource: 'namespaces', name: 'ns' })).toBe('/api/v1/namespaces/ns');
    expect(objectApiPath({ ...pod, namespace: '', resource: 'nodes', name: 'n' })).toBe('/api/v1/nodes/n');
  });

  it('refuses what it cannot render, naming the template', () => {
    expect(() => compileTemplate('{{if .a}}x{{end}}', 'urlTemplate')).toThrow(/urlTemplate: unsupported template action "{{if .a}}"/);
    expect(() => compileTemplate('{{.a', 'argsTemplates "q"')).toThrow(/argsTemplates "q": unclosed/);
  });
});
