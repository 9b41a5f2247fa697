/**
 * The runtime under test: `kelemetry run --config FILE` as a child process (it dies with this process,
 * envtest/process.ts), so a scenario can SIGKILL it and start it again with the same config and ports.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../../envtest/environment.ts';
import { isAlive, logTail, startProcess, stopProcess, waitReady, type ProcessRecord } from '../../envtest/process.ts';
import { parseConfig } from '../../runtime/config/load.ts';

export class RuntimeProcess {
  private record: ProcessRecord | undefined;
  private readonly configFile: string;
  starts = 0;

  /** `doc` is the runtime config document; `name` names its config and log file under `dir`. */
  constructor(
    readonly name: string,
    private readonly doc: Record<string, unknown>,
    private readonly dir: string,
    readonly metricsUrl: string,
  ) {
    parseConfig(doc, name); // a bad config fails here, with the field, rather than as a process that never gets ready
    this.configFile = join(dir, `${name}.yaml`);
    writeFileSync(this.configFile, stringify(doc));
  }

  get pid(): number | undefined {
    return this.record?.pid;
  }

  get logFile(): string | undefined {
    return this.record?.logFile;
  }

  /** Starts it and waits until /readyz answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    this.starts++;
    this.record = startProcess({
      name: this.name,
      command: process.execPath,
      args: [join(repoRoot, 'bin', 'kelemetry.js'), 'run', '--config', this.configFile],
      logDir: this.dir,
      cwd: repoRoot,
    });
    const ready = async () => (await fetch(`${this.metricsUrl}/readyz`, { signal: AbortSignal.timeout(2000) })).status === 200;
    await waitReady(this.record, ready, timeoutMs, () => undefined);
  }

  /** SIGKILL to its process group; resolves once it is gone. */
  async kill(): Promise<void> {
    const r = this.record;
    if (!r) return;
    try {
      process.kill(-r.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    while (isAlive(r.pid)) await new Promise((res) => setTimeout(res, 20));
  }

  /** SIGTERM (the runtime drains and exports), then SIGKILL after the grace period. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.record) await stopProcess(this.record, graceMs);
  }

  running(): boolean {
    return this.record !== undefined && isAlive(this.record.pid);
  }

  tail(lines = 20): string {
    return this.record ? logTail(this.record.logFile, lines) : '(not started)';
  }
}
