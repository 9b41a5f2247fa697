/**
 * CollapseNestingVisitor: turn event spans (audit, event) into logs of their pseudo parent. Each log:
 * `zzz-traceSource`, `<source>` = span name, mapped span tags, the diff grouped by class (e.g. `diff`,
 * `verbose diff`; hidden classes such as managedFields dropped), then other logs by log type
 * (e.g. `snapshot`, `message`, `error`).
 */
import { LogType, Tag, logTypeAttr } from '../../../runtime/model/constants.ts';
import { fieldString, tagString, type AttrValue, type Span } from '../../model/span.ts';
import { eventField } from '../../model/otlp.ts';
import type { StringFilter } from '../stringFilter.ts';
import { pseudoTypeOf, traceSourceOf, type Step } from '../types.ts';

export interface DiffClass {
  shouldDisplay: boolean;
  name: string;
  priority: number;
}

export interface CollapseNestingConfig {
  shouldCollapse: StringFilter;
  /** Per trace source: span tag → log field. */
  tagMappings: Record<string, { fromSpanTag: string; toLogField: string }[]>;
  auditDiffClasses: { default: DiffClass; fields: { paths: string[]; class: DiffClass }[] };
  /** Log type → log field name ("" is a valid, empty field name). Unmapped types are dropped. */
  logTypeMapping: Record<string, string>;
}

/** `a.b[2].c` → `a.b[2]` → `a.b` → `a` → ''. */
function parentPath(path: string): string {
  if (path.endsWith(']')) {
    const i = path.lastIndexOf('[');
    if (i >= 0) return path.slice(0, i);
  }
  const dot = path.lastIndexOf('.');
  return dot >= 0 ? path.slice(0, dot) : '';
}

export function diffClassifier(config: CollapseNestingConfig['auditDiffClasses']): (path: string) => DiffClass {
  const byPath = new Map<string, DiffClass>();
  for (const f of config.fields) for (const p of f.paths) byPath.set(p, f.class);
  return (path) => {
    for (let p = path; p !== ''; p = parentPath(p)) {
      const c = byPath.get(p);
      if (c) return c;
    }
    return config.default;
  };
}

export function collapseNesting(config: CollapseNestingConfig): Step {
  const classify = diffClassifier(config.auditDiffClasses);

  function toLog(child: Span, source: string): Map<string, AttrValue> {
    const fields = new Map<string, AttrValue>();
    fields.set(Tag.traceSource, source);
    fields.set(source, child.name);
    for (const m of config.tagMappings[source] ?? []) {
      const v = tagString(child, m.fromSpanTag);
      if (v) fields.set(m.toLogField, v);
    }
    for (const [k, v] of logLines(child, config, classify)) {
      const prev = fields.get(k);
      fields.set(k, prev === undefined ? v : `${String(prev)}\n${v}`);
    }
    return fields;
  }

  return {
    kind: 'CollapseNestingVisitor',
    run(tree) {
      tree.visit({
        enter(t, span) {
          if (pseudoTypeOf(span) === undefined) return;
          const collapsible = t
            .children(span.spanId)
            .filter((c) => pseudoTypeOf(c) === undefined)
            .filter((c) => {
              const source = traceSourceOf(c);
              return source !== undefined && config.shouldCollapse(source);
            })
            .sort((a, b) => a.startUs - b.startUs);
          for (const child of collapsible) {
            span.logs.push({ timeUs: child.startUs, fields: toLog(child, traceSourceOf(child)!) });
            t.delete(child.spanId);
          }
        },
      });
    },
  };
}

/** A child's logs as log fields: diff lines grouped by displayed class (by priority), then mapped log types. */
function logLines(child: Span, config: CollapseNestingConfig, classify: (path: string) => DiffClass): [string, string][] {
  const classLines = new Map<string, { cls: DiffClass; lines: string[] }>();
  const others: [string, string][] = [];
  for (const log of child.logs) {
    const type = fieldString(log.fields, logTypeAttr);
    const text = fieldString(log.fields, eventField) ?? '';
    if (type === LogType.objectDiff) {
      for (const line of text.split('\n')) {
        const space = line.indexOf(' ');
        if (space <= 0) continue;
        const cls = classify(line.slice(0, space));
        if (!cls.shouldDisplay) continue;
        const entry = classLines.get(cls.name) ?? { cls, lines: [] };
        entry.lines.push(line);
        classLines.set(cls.name, entry);
      }
    } else if (type !== undefined && type in config.logTypeMapping) {
      others.push([config.logTypeMapping[type]!, text]);
    }
  }
  const diffs = [...classLines.values()].sort((a, b) => a.cls.priority - b.cls.priority).map(({ cls, lines }): [string, string] => [cls.name, lines.join('\n')]);
  return [...diffs, ...others];
}
