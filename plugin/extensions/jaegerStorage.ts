/**
 * `JaegerStorage` provider (spec 8.9): searches a Jaeger remote storage (jaeger.storage.v2, the client the
 * backend uses) for traces of `service`/`operation` whose attributes match `tagTemplates` rendered for the
 * object or audit span; at most `numTracesLimit` traces. The original configured a Jaeger v1 storage with
 * `storageArgs`; here `remoteStorage` names the address, by default the plugin's own backend.
 */
import { z } from 'zod';
import type { Span } from '../model/span.ts';
import { RemoteStorageClient, type RemoteStorageOptions } from '../backend/remoteStorage.ts';
import { commonArgs, spanSelection, traceIdsIdentifier, traceIdsIdentifierSchema } from './config.ts';
import { compileTemplates, templateArgs, type Template } from './template.ts';
import type { ExtensionProvider, FetchQuery, FetchResult } from './types.ts';

export const jaegerStorageArgs = z.object({
  ...commonArgs,
  ...spanSelection,
  /** host:port of Jaeger remote storage; absent = the plugin's backend. */
  remoteStorage: z.string().min(1).optional(),
  service: z.string().default(''),
  operation: z.string().default(''),
  /** Attribute → template. */
  tagTemplates: z.record(z.string(), z.string()).default({}),
  numTracesLimit: z.number().int().positive().default(5),
});
export type JaegerStorageArgs = z.output<typeof jaegerStorageArgs>;

export class JaegerStorageProvider implements ExtensionProvider {
  readonly kind = 'JaegerStorage';
  readonly maxConcurrency: number;
  readonly totalTimeoutMs: number;
  private readonly templates: [string, Template][];
  private client: RemoteStorageClient | undefined;
  private readonly where: string;

  constructor(
    private readonly args: JaegerStorageArgs,
    /** The plugin's backend connection settings; `remoteStorage` of the args overrides the address. */
    private readonly storage: RemoteStorageOptions | undefined,
    where: string,
  ) {
    this.maxConcurrency = args.maxConcurrency;
    this.totalTimeoutMs = args.totalTimeout;
    this.templates = compileTemplates(args.tagTemplates, `${where}: tagTemplates`);
    this.where = where;
  }

  /** Connected on first use: modes are loaded before anything is queried. */
  private remote(): RemoteStorageClient {
    if (!this.client) {
      // Checked here, not when loading: tools load display modes without a backend.
      if (!this.args.remoteStorage && !this.storage) throw new Error(`${this.where}: JaegerStorage has no remoteStorage and no plugin backend to default to`);
      const base: RemoteStorageOptions = this.storage ?? { address: this.args.remoteStorage!, timeoutMs: 10_000, maxReceiveMessageMiB: 64 };
      this.client = new RemoteStorageClient({ ...base, address: this.args.remoteStorage ?? base.address });
    }
    return this.client;
  }

  fetchForObject(q: FetchQuery): Promise<FetchResult | undefined> {
    return this.args.forObject ? this.search(q) : Promise.resolve(undefined);
  }

  fetchForVersion(q: FetchQuery): Promise<FetchResult | undefined> {
    return this.args.forAuditEvent ? this.search(q) : Promise.resolve(undefined);
  }

  private async search(q: FetchQuery): Promise<FetchResult> {
    const args = templateArgs(q);
    const attributes = Object.fromEntries(this.templates.map(([k, t]) => [k, t.render(args)]));
    const traces = await this.remote().findTraces(
      { service: this.args.service, operation: this.args.operation, attributes, startUs: q.startUs, endUs: q.endUs, searchDepth: this.args.numTracesLimit },
      q.signal,
    );
    const ids = [...traces.keys()].slice(0, this.args.numTracesLimit);
    return { identifier: traceIdsIdentifier(ids, q.startUs, q.endUs), spans: ids.flatMap((id) => traces.get(id)!) };
  }

  async loadCache(identifier: unknown, signal: AbortSignal): Promise<Span[]> {
    const parsed = traceIdsIdentifierSchema.safeParse(identifier);
    if (!parsed.success) throw new Error(`JaegerStorage: cached identifier ${JSON.stringify(identifier)} is not {traceIds, start, end}`);
    const { traceIds } = parsed.data;
    if (traceIds.length === 0) return [];
    // By ID alone, as the original: a trace found by its start time may end after the searched range.
    const traces = await this.remote().getTraces(traceIds.map((traceId) => ({ traceId })), signal);
    return [...traces.values()].flat();
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}
