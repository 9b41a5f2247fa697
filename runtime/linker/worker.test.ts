import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { Aggregator, LinkJob, PseudoSpanRequest, RichObject, SpanRef } from '../aggregator/types.ts';
import { keyString } from '../model/objectKey.ts';
import { nullLogger } from '../util/log.ts';
import { AnnotationLinker } from './annotation.ts';
import type { Linker } from './types.ts';
import { LinkerPool } from './worker.ts';

const child: RichObject = { cluster: 'c', group: '', version: 'v1', resource: 'configmaps', namespace: 'ns', name: 'child' };
const parentA: RichObject = { ...child, name: 'a' };
const parentB: RichObject = { ...child, name: 'b' };
const annotated = (parent?: RichObject, extra: Record<string, string> = {}) => ({
  metadata: { annotations: { ...extra, ...(parent ? { 'kelemetry.kubewharf.io/parent-link': JSON.stringify({ resource: 'configmaps', namespace: 'ns', name: parent.name }) } : {}) } },
});

/** Records the link span requests; `job` publishes like the aggregator does. */
class FakeAggregator implements Pick<Aggregator, 'ensureObjectSpan' | 'getOrCreatePseudoSpan' | 'onLinkJob'> {
  listener: ((job: LinkJob) => void) | undefined;
  requests: PseudoSpanRequest[] = [];
  readonly span: SpanRef = { traceId: '1'.repeat(32), spanId: '2'.repeat(16) };
  async ensureObjectSpan(): Promise<SpanRef> {
    return { traceId: '3'.repeat(32), spanId: '4'.repeat(16) };
  }
  async getOrCreatePseudoSpan(req: PseudoSpanRequest): Promise<{ span: SpanRef; created: boolean }> {
    this.requests.push(req);
    return { span: this.span, created: true };
  }
  onLinkJob(listener: (job: LinkJob) => void): void {
    this.listener = listener;
  }
  job(trigger: LinkJob['trigger'], raw?: Record<string, unknown>): void {
    this.listener!({ object: { ...child, ...(raw ? { raw } : {}) }, eventTimeMs: 0, span: this.span, trigger });
  }
}

/** The annotation linker, counting lookups and failing when told to. */
class CountingLinker extends AnnotationLinker implements Linker {
  lookups = 0;
  fail = false;
  override async lookup(object: RichObject) {
    this.lookups++;
    if (this.fail) throw new Error('boom');
    return super.lookup(object);
  }
}

let pool: LinkerPool | undefined;
afterEach(async () => pool?.stop());

function setup() {
  const aggregator = new FakeAggregator();
  const linker = new CountingLinker({});
  pool = new LinkerPool({ workerCount: 1, queueCapacity: 10 }, { aggregator: aggregator as unknown as Aggregator, linkers: [linker], logger: nullLogger, registry: new Registry() });
  pool.start();
  const settle = () => new Promise((r) => setTimeout(r, 20));
  const written = () => aggregator.requests.map((r) => `${keyString(r.object) === keyString(child) ? 'forward' : 'backward'} ${r.dedupId}`);
  return { aggregator, linker, settle, written };
}

describe('linker pool: links follow the object', () => {
  it('writes a changed link once, with the target in the forward dedup ID, and skips unchanged events', async () => {
    const { aggregator, linker, settle, written } = setup();
    aggregator.job('created', annotated());
    await settle();
    expect(written()).toEqual([]);

    aggregator.job('updated', annotated(parentA));
    aggregator.job('updated', annotated(parentA));
    await settle();
    expect(written()).toEqual([`forward annotation->${keyString(parentA)}`, `backward annotation@${keyString(child)}`]);
    // The second, unchanged event was not even looked up.
    expect(linker.lookups).toBe(2);

    // A change elsewhere in the object: not looked up. A new parent: written.
    aggregator.job('updated', annotated(parentA, { other: 'x' }));
    aggregator.job('updated', annotated(parentB));
    await settle();
    expect(linker.lookups).toBe(3);
    expect(written().slice(2)).toEqual([`forward annotation->${keyString(parentB)}`, `backward annotation@${keyString(child)}`]);
    expect(aggregator.requests[2]!.extraTags).toMatchObject({ linkedName: 'b', linkRole: 'parent' });
    expect(aggregator.requests[3]!.object.name).toBe('b');

    // Orphaned: nothing to write (the old parent keeps the child for the rest of the window).
    aggregator.job('updated', annotated());
    await settle();
    expect(written()).toHaveLength(4);
  });

  it('keeps the plain dedup ID for the links found when the span is created', async () => {
    const { aggregator, settle, written } = setup();
    aggregator.job('created', annotated(parentA));
    aggregator.job('updated', annotated(parentA));
    await settle();
    expect(written()).toEqual(['forward annotation', `backward annotation@${keyString(child)}`]);
  });

  it('looks up again after a failed lookup, and ignores updated jobs without the object JSON', async () => {
    const { aggregator, linker, settle, written } = setup();
    linker.fail = true;
    aggregator.job('updated', annotated(parentA));
    await settle();
    linker.fail = false;
    aggregator.job('updated', annotated(parentA));
    aggregator.job('updated');
    await settle();
    expect(linker.lookups).toBe(2);
    expect(written()).toHaveLength(2);
  });
});
