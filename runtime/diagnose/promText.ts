/**
 * A small parser for the Prometheus text exposition format (version 0.0.4), enough for `kelemetry scan`
 * and the operator's diagnosis: HELP/TYPE comments, labels with escapes, special values, optional
 * timestamps. Samples of histograms and summaries (`_bucket`, `_sum`, `_count`) are grouped under
 * their family.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The series name as exposed, e.g. `audit_webhook_request_count`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

export class PromParseError extends Error {
  constructor(source: string, line: number, detail: string) {
    super(`${source}: line ${line}: ${detail}`);
    this.name = 'PromParseError';
  }
}

const types = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const suffixes: Partial<Record<MetricType, string[]>> = {
  histogram: ['_bucket', '_sum', '_count', '_created'],
  summary: ['_sum', '_count', '_created'],
  counter: ['_total', '_created'],
};
const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = Number(text);
  if (text === '' || Number.isNaN(n)) throw new Error(`invalid value "${text}"`);
  return n;
}

function unescapeHelp(text: string): string {
  return text.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** Parses `{a="x",b="y"}` starting at `pos` (at the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, pos: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = pos + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const name = labelName.exec(line.slice(i))?.[0];
    if (!name) throw new Error(`invalid label name at column ${i + 1}`);
    i += name.length;
    while (line[i] === ' ') i++;
    if (line[i] !== '=' || line[i + 1] !== '"') throw new Error(`expected ="…" after label ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new Error(`unterminated value of label ${name}`);
      if (c === '"') break;
      if (c === '\\') {
        const e = line[i + 1];
        value += e === 'n' ? '\n' : e === '"' ? '"' : e === '\\' ? '\\' : `\\${e ?? ''}`;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[name] = value;
    i++;
  }
}

/** Parses a whole exposition; `source` (a URL) names the input in errors. */
export function parsePrometheusText(text: string, source = 'metrics'): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string, type: MetricType = 'untyped'): Family => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type, help: '', samples: [] }));
    return f;
  };
  /** The family a series belongs to: itself, or a typed family whose suffix it carries. */
  const owner = (series: string): Family => {
    const exact = families.get(series);
    if (exact) return exact;
    for (const [type, list] of Object.entries(suffixes)) {
      for (const suffix of list) {
        if (!series.endsWith(suffix)) continue;
        const base = families.get(series.slice(0, -suffix.length));
        if (base?.type === type) return base;
      }
    }
    return family(series);
  };

  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      if (line.startsWith('#')) {
        const m = /^#\s*(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
        if (!m) return; // other comments carry nothing
        const [, keyword, name, rest = ''] = m as unknown as [string, string, string, string | undefined];
        if (keyword === 'TYPE') {
          if (!types.has(rest as MetricType)) throw new Error(`unknown metric type "${rest}"`);
          const f = family(name, rest as MetricType);
          if (f.samples.length > 0 && f.type !== rest) throw new Error(`TYPE of ${name} after its samples`);
          f.type = rest as MetricType;
        } else {
          family(name).help = unescapeHelp(rest);
        }
        return;
      }
      const name = metricName.exec(line)?.[0];
      if (!name) throw new Error('expected a metric name');
      let i = name.length;
      let labels: Record<string, string> = {};
      if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i));
      const fields = line.slice(i).trim().split(/\s+/);
      if (fields.length < 1 || fields.length > 2 || fields[0] === '') throw new Error('expected a value and an optional timestamp');
      const value = parseValue(fields[0]!);
      if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new Error(`invalid timestamp "${fields[1]}"`);
      owner(name).samples.push({ name, labels, value });
    } catch (err) {
      throw new PromParseError(source, index + 1, (err as Error).message);
    }
  });
  return families;
}
