/**
 * The resource tagger (spec 4.7): tags from an object's JSON by its GroupResource, e.g. `nodes=<spec.nodeName>`
 * on Pods. The aggregator asks it for the tags of a new object span and of each event span; the plugin's
 * ObjectTagsVisitor then shows an event span's tags on the object span when that span lacks them (a Pod's
 * object span is usually created before the Pod is scheduled).
 */
import type { Registry } from 'prom-client';
import type { RichObject, SpanEvent } from '../aggregator/types.ts';
import { counter } from '../metrics/define.ts';
import type { ResourceTagsConfig } from './config.ts';
import { evaluatePath, parseTagMapping, type TagPaths } from './mapping.ts';

export class ResourceTagger {
  private readonly mapping: Map<string, TagPaths>;
  private readonly verbs: Set<string>;
  private readonly results;

  /** Throws on a malformed mapping entry, naming it. */
  constructor(
    private readonly cfg: ResourceTagsConfig,
    registry: Registry,
  ) {
    this.mapping = parseTagMapping(cfg.mapping);
    this.verbs = new Set(cfg.eventVerbs);
    this.results = counter(registry, 'aggregator_resource_tagger_count', 'Resource tagger lookups, by trace source and result.', ['traceSource', 'result']);
  }

  /** Tags for a new object span of `object`. */
  objectTags(object: RichObject): Record<string, string> {
    return this.cfg.objectSpans ? this.tags(object, 'object') : {};
  }

  /** Tags for an event span (audit spans of the configured verbs only: `tag` holds the verb). */
  eventTags(object: RichObject, event: SpanEvent): Record<string, string> {
    if (!this.cfg.eventSpans || event.traceSource !== 'audit' || !this.verbs.has(event.tags.tag ?? '')) return {};
    return this.tags(object, event.traceSource);
  }

  private tags(object: RichObject, traceSource: string): Record<string, string> {
    const paths = this.mapping.get(`${object.group}/${object.resource}`);
    if (!paths) return {};
    if (!object.raw) {
      this.results.inc({ traceSource, result: 'noObject' });
      return {};
    }
    const out: Record<string, string> = {};
    for (const [tag, path] of paths) {
      const value = evaluatePath(object.raw, path);
      if (value !== undefined) out[tag] = value;
    }
    this.results.inc({ traceSource, result: Object.keys(out).length > 0 ? 'tagged' : 'empty' });
    return out;
  }
}
