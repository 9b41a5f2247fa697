/**
 * Reloads the webhook's serving certificate when its files change (a Secret volume is updated in place
 * when the operator re-issues the certificate), so rotation needs no restart. Polls, since inotify on a
 * Secret volume's symlink swap is unreliable; a file that cannot be read keeps the current certificate.
 */
import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Counter, Registry } from 'prom-client';
import type { AuditWebhookConfig } from '../config/sections/audit.ts';
import { counter } from '../metrics/define.ts';
import type { Logger } from '../util/log.ts';
import { webhookTlsOptions } from './http.ts';

export class CertReloader {
  private readonly server: Server;
  private readonly tls: NonNullable<AuditWebhookConfig['tls']>;
  private readonly logger: Logger;
  private readonly reloads: Counter<'result'>;
  private timer: NodeJS.Timeout | undefined;
  private current: string;

  constructor(server: Server, tls: NonNullable<AuditWebhookConfig['tls']>, deps: { registry: Registry; logger: Logger }) {
    this.server = server;
    this.tls = tls;
    this.logger = deps.logger;
    this.reloads = counter(deps.registry, 'audit_webhook_tls_reloads_total', "Checks of the webhook's certificate files that found them changed, by result", ['result']);
    this.current = fingerprint(webhookTlsOptions(tls));
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  /** Applies the files if they changed; returns whether it did. */
  check(): boolean {
    let options: ReturnType<typeof webhookTlsOptions>;
    try {
      options = webhookTlsOptions(this.tls);
    } catch (err) {
      this.reloads.inc({ result: 'unreadable' });
      this.logger.warn('cannot read the webhook certificate files; keeping the current certificate', { err });
      return false;
    }
    const next = fingerprint(options);
    if (next === this.current) return false;
    try {
      (this.server as HttpsServer).setSecureContext(options);
    } catch (err) {
      this.reloads.inc({ result: 'invalid' });
      this.logger.warn('the changed webhook certificate files are not a valid certificate and key; keeping the current certificate', { err });
      return false;
    }
    this.current = next;
    this.reloads.inc({ result: 'reloaded' });
    this.logger.info('reloaded the webhook certificate', { certFile: this.tls.certFile });
    return true;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

const fingerprint = (o: { cert?: unknown; key?: unknown; ca?: unknown }) => [o.cert, o.key, o.ca].map((b) => (b ? String(b) : '')).join('\0');
