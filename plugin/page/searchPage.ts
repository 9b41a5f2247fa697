/**
 * The page at `/ui/`: a form naming one object (cluster, resource, group, namespace, name, time, display
 * mode) that GETs `/ui/search`, which finds the trace the way /redirect does and sends the browser to its
 * trace page. The same page comes back with the form refilled when the search finds nothing or several.
 */
import { html, type Html } from './html.ts';
import { pageDocument } from './layout.ts';
import type { ModeChoice } from './tracePage.ts';

export interface SearchPageInput {
  clusters: readonly string[];
  modes: readonly ModeChoice[];
  /** Half-width of the searched time range. */
  windowMs: number;
  /** idHex of the mode selected when the request names none. */
  defaultMode: string;
  /** The request's parameters, to refill the form. */
  values?: URLSearchParams;
  /** Why the last search did not open a trace. */
  error?: string;
  /** Traces to choose from when several matched: link (relative to /ui/) and label. */
  matches?: readonly { href: string; label: string }[];
}

function textField(label: string, name: string, value: string, placeholder: string, required = false): Html {
  return html`<label for="${name}">${label}</label><input id="${name}" name="${name}" value="${value}" placeholder="${placeholder}"${required ? html` required` : ''}>`;
}

function select(label: string, name: string, options: readonly { value: string; label: string }[], selected: string): Html {
  const opts = options.map((o) => html`<option value="${o.value}"${o.value === selected ? html` selected` : ''}>${o.label}</option>`);
  return html`<label for="${name}">${label}</label><select id="${name}" name="${name}">${opts}</select>`;
}

export function renderSearchPage(input: SearchPageInput): string {
  const v = (k: string, fallback = '') => input.values?.get(k) ?? fallback;
  const form = html`<form class="search" method="get" action="search">
${select('cluster', 'cluster', input.clusters.map((c) => ({ value: c, label: c })), v('cluster', input.clusters[0]))}
${textField('resource', 'resource', v('resource'), 'deployments (plural)', true)}
${textField('group', 'group', v('group'), 'any (e.g. apps)')}
${textField('namespace', 'namespace', v('namespace'), 'any (empty for cluster-scoped)')}
${textField('name', 'name', v('name'), 'demo', true)}
${textField('time', 'ts', v('ts'), 'now, or 2025-01-02T10:11:12Z')}
${select('display mode', 'mode', input.modes.map((m) => ({ value: m.idHex, label: m.name })), v('mode', input.defaultMode))}
<button type="submit">Show trace</button></form>`;
  const error = input.error ? html`<p class="error" role="alert">${input.error}</p>` : undefined;
  const matches = input.matches?.length ? html`<ul class="matches">${input.matches.map((m) => html`<li><a href="${m.href}">${m.label}</a></li>`)}</ul>` : undefined;
  const intro = html`<p class="meta">Finds the trace of one object around a time (±${input.windowMs / 60_000} minutes) and shows it with its related objects.</p>`;
  return pageDocument('Kelemetry – find a trace', html`<h1>Kelemetry traces</h1>${intro}${error}${matches}${form}`);
}
