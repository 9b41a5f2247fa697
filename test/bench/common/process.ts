/**
 * Server processes of the benches, started with the test environment's process starter: the log in a file,
 * the process dying with the bench however the bench ends, and a stop that sends TERM, then KILL after 20 s.
 */
import { startProcess, stopProcess } from '../../../envtest/process.ts';

export interface LoggedProcess {
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export function startLogged(name: string, command: string, args: string[], opts: { dir: string; env?: Record<string, string>; cwd?: string }): LoggedProcess {
  const record = startProcess({ name: `${name}-${Date.now()}`, command, args, logDir: opts.dir, env: opts.env, cwd: opts.cwd });
  return { pid: record.pid, logFile: record.logFile, stop: () => stopProcess(record, 20_000) };
}
