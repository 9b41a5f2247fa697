/** Fetches and parses one `/metrics` URL. */
import { parsePrometheusText } from './promText.ts';
import type { Scrape } from './metricSet.ts';

export async function scrapeUrl(url: string, timeoutMs = 10_000): Promise<Scrape> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { Accept: 'text/plain;version=0.0.4' } });
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause;
    throw new Error(`scraping ${url}: ${cause?.message ?? (err as Error).message}`, { cause: err });
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`scraping ${url}: HTTP ${res.status} ${text.slice(0, 200).trim()}`);
  return { target: url, families: parsePrometheusText(text, url) };
}
