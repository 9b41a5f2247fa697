import { describe, expect, it } from 'vitest';
import type { JaegerTraceJson } from './jaegerJson.ts';
import { renderTracePage } from './tracePage.ts';

const t0 = Date.parse('2026-11-25T10:00:00Z') * 1000;
const id = 'ff21000000e1e3e70123456789abcdef';
const evil = '<script>alert(1)</script>';
const trace: JaegerTraceJson = {
  traceID: id,
  processes: { p1: { serviceName: 'deployments' }, p2: { serviceName: 'replicasets' } },
  spans: [
    {
      traceID: id, spanID: 'a', operationName: `default demo${evil}`, startTime: t0, duration: 10_000_000, processID: 'p1',
      logs: [
        { timestamp: t0, fields: [{ key: 'audit', value: 'alice create' }, { key: 'userAgent', value: `curl ${evil}` }, { key: 'zzz-logType', value: 'audit' }] },
        { timestamp: t0 + 4_000_000, fields: [{ key: 'diff', value: 'spec.replicas 2 -> 4\nmetadata.annotations.note "" -> "<img src=x onerror=alert(2)>"' }] },
      ],
      warnings: [`1 of 2 stored traces no longer exist ${evil}`],
    },
    { traceID: id, spanID: 'b', operationName: 'default demo-7fb87548c', startTime: t0 + 5_000_000, duration: 5_000_000, processID: 'p2', references: [{ refType: 'CHILD_OF', traceID: id, spanID: 'a' }] },
  ],
};
const modes = [
  { idHex: '20000000', name: 'tracing' },
  { idHex: '21000000', name: 'tracing [full tree]' },
  { idHex: '31000000', name: 'grouped [full tree]' },
];

describe('trace page', () => {
  const page = renderTracePage(trace, modes);

  it('renders user-controlled names, log lines and warnings inert', () => {
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).toContain('default demo&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('curl &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(page).toContain('no longer exist &lt;script&gt;');
  });

  it('lists spans in tree order with their parent and depth, and their log lines without internal fields', () => {
    const items = [...page.matchAll(/data-span-id="(\w+)" data-parent-id="(\w*)" data-depth="(\d)"/g)].map((m) => m.slice(1));
    expect(items).toEqual([['a', '', '0'], ['b', 'a', '1']]);
    expect(page).toMatch(/<td class="time">10:00:00\.000<\/td><td class="key">audit<\/td><td class="line">alice create<\/td>/);
    expect(page).toMatch(/<td class="key"><\/td><td class="line">metadata\.annotations\.note/);
    expect(page).not.toContain('zzz-logType');
  });

  it('positions each bar on the trace timeline', () => {
    expect(page).toContain('style="left:0.000%;width:100.000%"');
    expect(page).toContain('style="left:50.000%;width:50.000%"');
    expect(page).toMatch(/<span class="dur">5\.0s<\/span>/);
  });

  it('links the same trace in the other display modes, marking the current one', () => {
    expect(page).toContain(`<a href="${id}" aria-current="page">tracing [full tree]</a>`);
    expect(page).toContain('<a href="ff20000000e1e3e70123456789abcdef">tracing</a>');
    expect(page).toContain('<a href="ff31000000e1e3e70123456789abcdef">grouped [full tree]</a>');
    expect(page).toContain('<a href="../">find another object</a>');
  });

  it('says so for an empty trace', () => {
    const empty = renderTracePage({ ...trace, spans: [] }, modes);
    expect(empty).toContain('has no spans');
    expect(empty).not.toContain('class="spans"');
  });
});
