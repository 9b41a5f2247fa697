import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { PromParseError, parsePrometheusText } from './promText.ts';

describe('parsePrometheusText', () => {
  it('parses families, labels, escapes, special values and timestamps', () => {
    const text = [
      '# HELP http_requests_total The total number of HTTP requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      '',
      '# A plain comment',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      'metric_without_timestamp_and_labels 12.47',
      'something_weird{problem="division by zero"} +Inf -3982045',
      'nan_metric NaN',
      '# HELP help_with_escapes a \\\\ back\\nslash',
      '# TYPE empty_family gauge',
    ].join('\n');
    const f = parsePrometheusText(text);
    expect(f.get('http_requests_total')).toEqual({
      name: 'http_requests_total',
      type: 'counter',
      help: 'The total number of HTTP requests.',
      samples: [
        { name: 'http_requests_total', labels: { method: 'post', code: '200' }, value: 1027 },
        { name: 'http_requests_total', labels: { method: 'post', code: '400' }, value: 3 },
      ],
    });
    expect(f.get('msdos_file_access_time_seconds')!.samples[0]).toEqual({
      name: 'msdos_file_access_time_seconds',
      labels: { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' },
      value: 1.458255915e9,
    });
    expect(f.get('msdos_file_access_time_seconds')!.type).toBe('untyped');
    expect(f.get('metric_without_timestamp_and_labels')!.samples[0]!.value).toBe(12.47);
    expect(f.get('something_weird')!.samples[0]!.value).toBe(Infinity);
    expect(f.get('nan_metric')!.samples[0]!.value).toBeNaN();
    expect(f.get('help_with_escapes')!.help).toBe('a \\ back\nslash');
    expect(f.get('empty_family')).toEqual({ name: 'empty_family', type: 'gauge', help: '', samples: [] });
  });

  it('groups histogram and summary series under their family', () => {
    const text = [
      '# TYPE rpc histogram',
      'rpc_bucket{le="0.1"} 2',
      'rpc_bucket{le="+Inf"} 3',
      'rpc_sum 0.4',
      'rpc_count 3',
      '# TYPE lat summary',
      'lat{quantile="0.5"} 0.01',
      'lat_sum 1',
      'lat_count 7',
      '# TYPE x_count counter',
      'x_count 5',
    ].join('\n');
    const f = parsePrometheusText(text);
    expect(f.get('rpc')!.samples.map((s) => s.name)).toEqual(['rpc_bucket', 'rpc_bucket', 'rpc_sum', 'rpc_count']);
    expect(f.get('rpc')!.samples[1]!.labels).toEqual({ le: '+Inf' });
    expect(f.get('lat')!.samples.map((s) => s.name)).toEqual(['lat', 'lat_sum', 'lat_count']);
    expect(f.get('x_count')!.samples).toEqual([{ name: 'x_count', labels: {}, value: 5 }]);
    expect([...f.keys()].sort()).toEqual(['lat', 'rpc', 'x_count']);
  });

  it('reads what prom-client writes, including registered metrics without samples', async () => {
    const r = new Registry();
    new Counter({ name: 'c_count', help: 'a "counter"', labelNames: ['error'], registers: [r] }).inc({ error: 'a\\b\n"c"' }, 2);
    new Histogram({ name: 'h', help: 'h', labelNames: ['cluster'], buckets: [1], registers: [r] }).observe({ cluster: 'x' }, 0.5);
    new Gauge({ name: 'g', help: 'g', registers: [r] }).set(-1.5);
    new Summary({ name: 's', help: 's', labelNames: ['k'], registers: [r] });
    const f = parsePrometheusText(await r.metrics());
    expect(f.get('c_count')!.samples).toEqual([{ name: 'c_count', labels: { error: 'a\\b\n"c"' }, value: 2 }]);
    expect(f.get('h')!.samples.find((s) => s.name === 'h_count')).toEqual({ name: 'h_count', labels: { cluster: 'x' }, value: 1 });
    expect(f.get('g')!.samples[0]!.value).toBe(-1.5);
    expect(f.get('s')).toMatchObject({ type: 'summary', samples: [] });
  });

  it('names the source and line of malformed input', () => {
    expect(() => parsePrometheusText('ok 1\nbad{x="1 2', 'http://a/metrics')).toThrow(PromParseError);
    expect(() => parsePrometheusText('ok 1\nbad{x="1 2', 'http://a/metrics')).toThrow('http://a/metrics: line 2: unterminated value of label x');
    expect(() => parsePrometheusText('m{x=1} 2')).toThrow(/line 1: expected ="…" after label x/);
    expect(() => parsePrometheusText('m one')).toThrow(/invalid value "one"/);
    expect(() => parsePrometheusText('m 1 2 3')).toThrow(/expected a value/);
    expect(() => parsePrometheusText('# TYPE m flavour')).toThrow(/unknown metric type "flavour"/);
    expect(() => parsePrometheusText('{x="1"} 1')).toThrow(/expected a metric name/);
  });
});
