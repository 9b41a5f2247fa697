/**
 * Steady changes in the environment's cluster for the informer scenarios: Events created at a steady rate on
 * a few objects (each Event unique to the run: reason `E<n>`), ConfigMaps patched at a steady rate (each
 * patch's resourceVersion recorded). A failed request (the apiserver restarting) is retried until it is
 * served, so every Event is created once; `stop` waits for the loops to end.
 */
import { isAlreadyExists } from '../../runtime/k8s/errors.ts';
import type { KubeRest } from '../../runtime/k8s/rest.ts';
import { sleep } from '../../runtime/util/sleep.ts';

/** A request to an apiserver going down may hang: it is given up and retried. */
const requestTimeoutMs = 10_000;

/** Retries a request until it is served or `signal` aborts; the number of failed attempts. */
async function untilServed(signal: AbortSignal, call: () => Promise<void>, failures: { n: number }): Promise<boolean> {
  while (!signal.aborted) {
    try {
      await call();
      return true;
    } catch {
      failures.n++;
      await sleep(200, signal);
    }
  }
  return false;
}

/** Runs `step(i)` `perSecond` times a second (later steps wait for a slow one) until stopped. */
function steady(perSecond: number, signal: AbortSignal, step: (i: number) => Promise<void>): Promise<void> {
  return (async () => {
    const started = Date.now();
    for (let i = 0; !signal.aborted; i++) {
      await step(i);
      await sleep(Math.max(0, started + ((i + 1) * 1000) / perSecond - Date.now()), signal);
    }
  })();
}

export interface Change {
  /** When the request was served. */
  atMs: number;
}

export class KubeActivity {
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  /** Events created (reason → when), and ConfigMap patches served (name, resourceVersion). */
  readonly events = new Map<string, Change>();
  readonly patches: (Change & { name: string; rv: string })[] = [];
  readonly failures = { n: 0 };

  constructor(
    private readonly rest: KubeRest,
    readonly namespace: string,
    private readonly objects = 3,
  ) {}

  async start(eventsPerSecond: number, patchesPerSecond: number): Promise<void> {
    await this.rest.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: this.namespace } } });
    for (let o = 0; o < this.objects; o++) {
      await this.rest.request({ method: 'POST', path: `/api/v1/namespaces/${this.namespace}/configmaps`, body: { metadata: { name: `cm-${o}` }, data: { n: '0' } } });
    }
    const signal = this.abort.signal;
    this.loops.push(steady(eventsPerSecond, signal, (i) => this.createEvent(i, signal)));
    this.loops.push(steady(patchesPerSecond, signal, (i) => this.patch(i, signal)));
  }

  private async createEvent(i: number, signal: AbortSignal): Promise<void> {
    const reason = `E${i}`;
    const now = new Date().toISOString();
    const body = {
      metadata: { name: `faults.${i}` },
      involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', namespace: this.namespace, name: `cm-${i % this.objects}` },
      reason,
      message: `${this.namespace} event ${i}`,
      type: 'Normal',
      source: { component: 'fault-suite' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    const create = async () => {
      try {
        await this.rest.request({ method: 'POST', path: `/api/v1/namespaces/${this.namespace}/events`, body, signal: AbortSignal.timeout(requestTimeoutMs) });
      } catch (err) {
        // A create served but whose answer was lost (the apiserver going down) is there already.
        if (!isAlreadyExists(err)) throw err;
      }
    };
    if (await untilServed(signal, create, this.failures)) this.events.set(reason, { atMs: Date.now() });
  }

  private async patch(i: number, signal: AbortSignal): Promise<void> {
    const name = `cm-${i % this.objects}`;
    let rv = '';
    const patch = async () => {
      const cm = await this.rest.request<{ metadata: { resourceVersion: string } }>({
        method: 'PATCH',
        path: `/api/v1/namespaces/${this.namespace}/configmaps/${name}`,
        body: { data: { n: String(i + 1) } },
        contentType: 'application/merge-patch+json',
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
      rv = cm.metadata.resourceVersion;
    };
    if (await untilServed(signal, patch, this.failures)) this.patches.push({ atMs: Date.now(), name, rv });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
  }
}
