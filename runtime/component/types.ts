/**
 * What every long-running part of the `kelemetry` process looks like to the process that runs it:
 * started from the validated config with shared services, stopped in reverse order on shutdown.
 */
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../util/log.ts';

export interface ComponentContext {
  config: Config;
  logger: Logger;
  /** The process's Prometheus registry; register metrics here, not on the global one. */
  registry: Registry;
}

export interface RunningComponent {
  name: string;
  /** Resolves when the component has stopped its loops and released its listeners and connections. */
  stop(): Promise<void>;
  /** Optional readiness for /readyz. */
  ready?(): boolean;
  /**
   * The process is about to stop (SIGTERM, before `--shutdown-delay` ends): keep serving, but steer
   * clients elsewhere, e.g. close keep-alive connections so the next request follows the Service's new endpoints.
   */
  terminating?(): void;
}
