import { describe, expect, it } from 'vitest';
import { message } from './fixtures.test-util.ts';
import { TAG_NAMES } from '../model/kelemetrixNames.ts';
import { ERR_URI_PARSE, computeTag, tagProviders } from './tags.ts';

describe('kelemetrix tag providers', () => {
  it('has a provider for every tag name', () => {
    expect(Object.keys(tagProviders).sort()).toEqual([...TAG_NAMES].sort());
  });

  it('cluster and apiserverAddr come from the message envelope', () => {
    const m = message({}, 'prod-eu', '10.9.8.7');
    expect(tagProviders.cluster(m)).toBe('prod-eu');
    expect(tagProviders.apiserverAddr(m)).toBe('10.9.8.7');
  });

  it('username prefers the impersonated user and collapses kubelets', () => {
    expect(tagProviders.username(message())).toBe('alice');
    expect(tagProviders.username(message({ impersonatedUser: { username: 'bob' } }))).toBe('bob');
    expect(tagProviders.username(message({ user: { username: 'system:node:worker-1' } }))).toBe('system:node');
    expect(tagProviders.username(message({ user: { username: 'system:nodes-reader' } }))).toBe('system:nodes-reader');
    expect(tagProviders.username(message({ user: undefined }))).toBe('');
  });

  it('clientAddr is the first source IP or empty', () => {
    expect(tagProviders.clientAddr(message())).toBe('192.168.0.9');
    expect(tagProviders.clientAddr(message({ sourceIPs: [] }))).toBe('');
    expect(tagProviders.clientAddr(message({ sourceIPs: undefined }))).toBe('');
  });

  it('verb, code and errorReason', () => {
    const m = message({ verb: 'create', responseStatus: { code: 409, reason: 'AlreadyExists' } });
    expect(tagProviders.verb(m)).toBe('create');
    expect(tagProviders.code(m)).toBe('409');
    expect(tagProviders.errorReason(m)).toBe('AlreadyExists');
    const none = message({ responseStatus: undefined, verb: undefined });
    expect([tagProviders.verb(none), tagProviders.code(none), tagProviders.errorReason(none)]).toEqual(['', '', '']);
  });

  it('resourceVersion classifies the requestURI query', () => {
    const rv = (uri: string) => tagProviders.resourceVersion(message({ requestURI: uri }));
    expect(rv('/api/v1/pods')).toBe('Empty');
    expect(rv('/api/v1/pods?resourceVersion=')).toBe('Empty');
    expect(rv('/api/v1/pods?resourceVersion=0')).toBe('Zero');
    expect(rv('/api/v1/pods?limit=500&resourceVersion=12345')).toBe('NonZero');
  });

  it('hasSelector is true for label or field selectors', () => {
    const hs = (uri: string) => tagProviders.hasSelector(message({ requestURI: uri }));
    expect(hs('/api/v1/pods')).toBe('false');
    expect(hs('/api/v1/pods?labelSelector=app%3Ddemo')).toBe('true');
    expect(hs('/api/v1/pods?fieldSelector=spec.nodeName%3Dn1')).toBe('true');
    expect(hs('/api/v1/pods?watch=true')).toBe('false');
  });

  it('objectRef fields, and empty strings without an objectRef', () => {
    const m = message({ objectRef: { apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', subresource: 'scale', namespace: 'ns1', name: 'web' } });
    expect(tagProviders.group(m)).toBe('apps');
    expect(tagProviders.version(m)).toBe('v1');
    expect(tagProviders.resource(m)).toBe('deployments');
    expect(tagProviders.groupResource(m)).toBe('deployments.apps');
    expect(tagProviders.subresource(m)).toBe('scale');
    expect(tagProviders.namespace(m)).toBe('ns1');
    expect(tagProviders.name(m)).toBe('web');
    expect(tagProviders.groupResource(message({ objectRef: { apiVersion: 'v1', resource: 'pods' } }))).toBe('pods');
    const none = message({ objectRef: undefined });
    for (const t of ['group', 'version', 'resource', 'groupResource', 'subresource', 'namespace', 'name'] as const) {
      expect(tagProviders[t](none)).toBe('');
    }
  });

  it('an unparseable requestURI yields the ErrUriParse marker and the error', () => {
    const r = computeTag('resourceVersion', message({ requestURI: '//[broken' }));
    expect(r.value).toBe(ERR_URI_PARSE);
    expect(r.error?.message).toContain('//[broken');
    expect(computeTag('verb', message())).toEqual({ value: 'update' });
  });
});
