import { describe, expect, it } from 'vitest';
import { compare } from './compare.ts';
import { identityOnly, maskSecretDiffs, maskSecretSnapshot, Redactor, secretChangedMarker, secretMarker } from './redact.ts';

const secrets = { group: '', version: 'v1', resource: 'secrets' };

describe('redaction', () => {
  it('never lets a secret value reach a diff or snapshot', () => {
    const r = new Redactor();
    const mk = (pw: string) =>
      r.sanitize(secrets, {
        metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"data":{"password":"${pw}"}}` }, managedFields: [{ manager: 'kubectl' }] },
        data: { password: Buffer.from(pw).toString('base64'), user: 'YWRtaW4=' },
      });
    const a = mk('hunter2');
    const b = mk('s3cret!');
    const diffs = maskSecretDiffs(compare(a, b).diffs);
    const text = JSON.stringify([diffs, maskSecretSnapshot(a), maskSecretSnapshot(b)]);
    for (const leaked of ['hunter2', 's3cret', 'aHVudGVyMg', 'czNjcmV0', 'YWRtaW4=', 'hmac:']) expect(text).not.toContain(leaked);
    expect(diffs).toContainEqual({ jsonPath: 'data.password', old: secretMarker, new: secretChangedMarker });
    expect(diffs.some((d) => d.jsonPath === 'data.user')).toBe(false);
    expect((maskSecretSnapshot(a) as { data: unknown }).data).toEqual({ password: secretMarker, user: secretMarker });
    expect(JSON.stringify(a)).not.toContain('managedFields');
  });

  it('redacts by label or pattern, keeping only identity for snapshots', () => {
    const r = new Redactor({ redactPattern: '^/v1/configmaps/secret-ns/' });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'secret-ns', ownerReferences: [{ name: 'o' }], annotations: { other: 'x' } }, data: { k: 'v' } };
    expect(r.isRedacted({ group: '', version: 'v1', resource: 'configmaps' }, cm)).toBe(true);
    expect(r.isRedacted({ group: '', version: 'v1', resource: 'configmaps' }, { metadata: { name: 'x', namespace: 'other' } })).toBe(false);
    expect(r.isRedacted({ group: '', version: 'v1', resource: 'configmaps' }, { metadata: { labels: { 'kelemetry.kubewharf.io/diff-redacted': '' } } })).toBe(true);
    expect(identityOnly(cm)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'secret-ns', ownerReferences: [{ name: 'o' }] } });
  });
});
