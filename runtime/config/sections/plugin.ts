/** Storage plugin settings (gRPC server, backend, display modes, trace cache, /redirect). Owned by plugin/. */
import { z } from 'zod';
import { cacheBackend, clientTls, duration, listenAddress } from '../common.ts';

export const pluginSection = z.object({
  /** jaeger.storage.v2 TraceReader/DependencyReader + gRPC health, for Jaeger query's `grpc` backend. */
  grpcListen: listenAddress.default('127.0.0.1:17271'),
  /** `GET /redirect`; absent = no HTTP server. */
  httpListen: listenAddress.optional(),
  backend: z.object({
    /** host:port of Jaeger remote storage (jaeger.storage.v2) holding the raw per-object traces. */
    remoteStorage: z.string().min(1),
    tls: clientTls.optional(),
    /** Deadline of each call to remote storage. */
    timeout: duration.prefault('10s'),
    /** Traces asked for per search when a query sets no limit (remote storage rejects more than its max_traces). */
    maxSearchDepth: z.number().int().positive().default(1000),
    maxReceiveMessageMiB: z.number().int().positive().default(64),
  }),
  /** A display-mode file (plugin/modes/default.yaml schema); absent = the built-in modes. */
  displayModeFile: z.string().min(1).optional(),
  traceCache: z
    .object({
      /** `memory` only works with one plugin replica; etcd/redis use `stores.*`. */
      backend: cacheBackend.default('memory'),
      prefix: z.string().default('/trace/'),
      /** How long a returned trace ID stays resolvable. */
      ttl: duration.prefault('168h'),
      /** Bound of the `memory` backend (entries of a few hundred bytes each); beyond it the oldest are evicted. */
      maxEntries: z.number().int().positive().default(100_000),
      /** Bound of the `memory` backend in (estimated) bytes: one entry names every trace a search merged, so it can be large. */
      maxBytes: z.number().int().positive().default(128 * 1024 * 1024),
    })
    .prefault({}),
  /** A rendered trace kept in process memory for a moment, so the UI's follow-up GetTraces does not re-read storage. */
  renderMemo: z
    .object({
      // Short: reloading a trace should show new events soon; the UI's follow-up request comes within a second.
      ttl: duration.prefault('10s'),
      /** Spans kept in total (a 200-object family with its logs is ~1 MiB). */
      maxSpans: z.number().int().nonnegative().default(20_000),
    })
    .prefault({}),
  followLinks: z
    .object({
      /** Follow links in searches too (not only when opening a trace). */
      inList: z.boolean().default(true),
      concurrency: z.number().int().positive().default(20),
      /** Linked objects fetched per searched object (searches) or per trace (GetTraces). */
      limit: z.number().int().nonnegative().default(100),
      /** Hops from the searched object, on top of the display mode's own distances. */
      maxDepth: z.number().int().nonnegative().default(10),
      /** Total time spent following links for one request; what was fetched by then is shown, with a warning. */
      timeout: duration.prefault('20s'),
    })
    .prefault({}),
  /** Spans per streamed TracesData chunk, and an approximate byte cap (Jaeger's client accepts 4 MiB by default). */
  chunk: z
    .object({
      maxSpans: z.number().int().positive().default(1000),
      maxBytes: z.number().int().positive().default(2 * 1024 * 1024),
    })
    .prefault({}),
  /**
   * Absolute address where browsers reach the Jaeger UI, with its base path (e.g. `https://kelemetry.example.com/jaeger/`):
   * /redirect then sends browsers to `<uiUrl>trace/<id>`. Absent = a relative `/trace/<id>`, which only works when
   * /redirect is served behind the same host and path as the UI.
   */
  uiUrl: z
    .url({ protocol: /^https?$/ })
    .optional(),
  /** Half-width of the time range /redirect searches around `ts`. */
  redirectWindow: duration.prefault('30m'),
});

export type PluginConfig = z.output<typeof pluginSection>;
