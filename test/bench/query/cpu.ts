/**
 * CPU time of the plugin and storage processes around each timed call, from /proc (Linux): on a shared
 * machine wall times move with the load, CPU per call much less, and it says which process holds a call.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of /proc/<pid>/stat times on every Linux the benches run on. */
const ticksPerSecond = 100;

function cpuMs(pid: number): number {
  try {
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the line.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return NaN;
  }
}

export interface CpuSpent {
  pluginMs: number;
  storageMs: number;
}

export class CpuMeter {
  constructor(private readonly pids: { plugin: number; storage: number }) {}

  /** Runs `fn`; adds the CPU each process spent meanwhile to `into`. */
  async measure<T>(into: CpuSpent, fn: () => Promise<T>): Promise<T> {
    const plugin0 = cpuMs(this.pids.plugin);
    const storage0 = cpuMs(this.pids.storage);
    const result = await fn();
    into.pluginMs += cpuMs(this.pids.plugin) - plugin0;
    into.storageMs += cpuMs(this.pids.storage) - storage0;
    return result;
  }
}

export const noCpu = (): CpuSpent => ({ pluginMs: 0, storageMs: 0 });
