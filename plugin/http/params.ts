/** What the plugin's HTTP handlers share: plain-text replies and RFC 3339 parameters. */
import type { ServerResponse } from 'node:http';

const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;

/** ms since the epoch, or undefined when absent or not RFC 3339. */
export function parseRfc3339(text: string | null): number | undefined {
  if (!text || !rfc3339.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

export function reply(res: ServerResponse, code: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(body.endsWith('\n') ? body : `${body}\n`);
}
