/**
 * The audit dump (spec 5.4): every event of every accepted batch, before filtering, appended to a file as
 * one line of `{"cluster", "sourceAddr", ...event}` (the original's Message JSON), for forensics and for
 * `kelemetry replay`. Lines are buffered and written every `flushInterval`; past `maxBytes` the file is
 * rotated (`file` → `file.1` → … → `file.<maxFiles>`, the oldest dropped). Mode 0600: events carry request
 * and response bodies.
 */
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { AuditDumpConfig } from '../config/sections/audit.ts';
import { counter } from '../metrics/define.ts';
import type { Logger } from '../util/log.ts';
import { sleep } from '../util/sleep.ts';
import type { ReceivedAuditEvent } from './types.ts';

/** One dump line for a received event. */
export function dumpLine({ cluster, sourceAddr, event }: ReceivedAuditEvent): string {
  // Items of a posted EventList carry no type of their own; a dump line is read alone, so it says what it is.
  return `${JSON.stringify({ cluster, sourceAddr, kind: 'Event', apiVersion: 'audit.k8s.io/v1', ...event })}\n`;
}

export class AuditDump {
  private pending: string[] = [];
  private fd: number | undefined;
  private size = 0;
  private readonly abort = new AbortController();
  private readonly loop: Promise<void>;
  private readonly written;
  private readonly failures;

  constructor(
    private readonly cfg: AuditDumpConfig & { file: string },
    private readonly deps: { registry: Registry; logger: Logger },
  ) {
    this.written = counter(deps.registry, 'audit_dump_events_total', 'Audit events written to the dump file', []);
    this.failures = counter(deps.registry, 'audit_dump_errors_total', 'Dump writes that failed (their events are not in the dump)', []);
    this.open();
    this.loop = this.run();
  }

  /** Queues an event for the next write (the webhook's observer). */
  readonly record = (received: ReceivedAuditEvent): void => {
    this.pending.push(dumpLine(received));
  };

  /** Writes what is queued and closes the file. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): void {
    this.fd = openSync(this.cfg.file, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      await sleep(this.cfg.flushInterval, this.abort.signal);
      this.flush();
    }
  }

  /** Exported for tests: writes the queued lines now. */
  flush(): void {
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    try {
      if (this.fd === undefined) this.open();
      const text = lines.join('');
      writeSync(this.fd!, text);
      this.size += Buffer.byteLength(text);
      this.written.inc(lines.length);
      if (this.size >= this.cfg.maxBytes) this.rotate();
    } catch (err) {
      this.failures.inc();
      this.deps.logger.error('audit dump write failed; these events are not in the dump', { file: this.cfg.file, events: lines.length, err });
    }
  }

  private rotate(): void {
    const { file, maxFiles } = this.cfg;
    closeSync(this.fd!);
    this.fd = undefined;
    rmSync(`${file}.${maxFiles}`, { force: true });
    for (let i = maxFiles - 1; i >= 1; i--) if (existsSync(`${file}.${i}`)) renameSync(`${file}.${i}`, `${file}.${i + 1}`);
    renameSync(file, `${file}.1`);
    this.open();
  }
}
