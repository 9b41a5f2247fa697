import { describe, expect, it } from 'vitest';
import { apiErrorFromBody } from './errors.ts';
import { listAll, type ListPage, type PageSource } from './list.ts';
import type { Query, RestRequest } from './rest.ts';

/** A fake apiserver answering LIST pages from a script, recording the queries it saw. */
function pages(answer: (query: Query) => ListPage): PageSource & { queries: Query[] } {
  const queries: Query[] = [];
  return {
    queries,
    async request<T>(req: RestRequest): Promise<T> {
      queries.push(req.query ?? {});
      return answer(req.query ?? {}) as T;
    },
  };
}

const item = (name: string) => ({ metadata: { name, namespace: 'ns', resourceVersion: '1' } });

describe('listAll', () => {
  it('follows continue tokens until the last page and restores apiVersion/kind on every item', async () => {
    const src = pages((q) => {
      const page = q.continue === undefined ? 0 : Number(q.continue);
      return {
        apiVersion: 'apps/v1',
        kind: 'DeploymentList',
        items: [item(`d${page}`)],
        metadata: { resourceVersion: '42', ...(page < 2 ? { continue: String(page + 1) } : { continue: '' }) },
      };
    });
    const got = await listAll(src, '/apis/apps/v1/deployments', { pageSize: 1, labelSelector: 'a=b' });
    expect(got.resourceVersion).toBe('42');
    expect(got.items.map((i) => [i.apiVersion, i.kind, i.metadata?.name])).toEqual([
      ['apps/v1', 'Deployment', 'd0'],
      ['apps/v1', 'Deployment', 'd1'],
      ['apps/v1', 'Deployment', 'd2'],
    ]);
    expect(src.queries.map((q) => [q.limit, q.continue, q.labelSelector])).toEqual([
      [1, undefined, 'a=b'],
      [1, '1', 'a=b'],
      [1, '2', 'a=b'],
    ]);
  });

  it('falls back to one unpaginated LIST when the continue token expired', async () => {
    const src = pages((q) => {
      if (q.continue === 'stale') throw apiErrorFromBody('c1', 'GET', '/p', 410, JSON.stringify({ reason: 'Expired', message: 'continue token too old' }));
      if (q.limit === undefined) return { items: [item('a'), item('b')], metadata: { resourceVersion: '9' } };
      return { items: [item('a')], metadata: { resourceVersion: '5', continue: 'stale' } };
    });
    const got = await listAll(src, '/api/v1/configmaps', { pageSize: 1 });
    expect(got).toMatchObject({ resourceVersion: '9', items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }] });
    expect(src.queries.map((q) => q.limit)).toEqual([1, 1, undefined]);
  });

  it('does not hide a 410 of the first page (the caller relists)', async () => {
    const src = pages(() => {
      throw apiErrorFromBody('c1', 'GET', '/p', 410, '{"reason":"Gone"}');
    });
    await expect(listAll(src, '/p')).rejects.toMatchObject({ statusCode: 410 });
    expect(src.queries).toHaveLength(1);
  });
});
