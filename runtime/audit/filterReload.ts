/**
 * Applies a changed `audit.filter` (and the consumer's verbs, stages and user choice) without a restart:
 * every `audit.filter.reloadInterval` the config is read again; when the filter settings differ from the
 * ones in force they replace them. A config that fails to load or compile keeps the old settings.
 */
import type { Registry } from 'prom-client';
import { counter } from '../metrics/define.ts';
import type { Logger } from '../util/log.ts';
import { sleep } from '../util/sleep.ts';
import type { AuditFilter, AuditFilterSettings } from './filter.ts';

export interface FilterReloadOptions {
  filter: AuditFilter;
  initial: AuditFilterSettings;
  /** Reads the config again; undefined when it has no audit section any more. */
  load: () => AuditFilterSettings | undefined;
  intervalMs: number;
  logger: Logger;
  registry: Registry;
}

const fingerprint = ({ filter, consumer }: AuditFilterSettings) =>
  JSON.stringify({ filter, verbs: consumer.verbs, stages: consumer.stages, ignoreImpersonatedUser: consumer.ignoreImpersonatedUser });

export class FilterReloader {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private current: string;
  private readonly reloads;

  constructor(private readonly opts: FilterReloadOptions) {
    this.current = fingerprint(opts.initial);
    this.reloads = counter(opts.registry, 'audit_filter_reload_count', 'Config re-reads for the audit filter, by result.', ['result']);
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /** One re-read; returns whether the filter changed. */
  check(): boolean {
    const { filter, load, logger } = this.opts;
    try {
      const next = load();
      if (!next || fingerprint(next) === this.current) {
        this.reloads.inc({ result: 'unchanged' });
        return false;
      }
      filter.reconfigure(next);
      this.current = fingerprint(next);
      this.reloads.inc({ result: 'applied' });
      logger.info('audit filter reloaded from the config file');
      return true;
    } catch (err) {
      this.reloads.inc({ result: 'error' });
      logger.warn('audit filter not reloaded; keeping the settings in force', { err });
      return false;
    }
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      await sleep(this.opts.intervalMs, signal);
      if (!signal.aborted) this.check();
    }
  }
}
