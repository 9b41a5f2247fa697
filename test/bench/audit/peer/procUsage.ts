/** Another process's CPU time and memory, read from /proc (Linux), so both implementations are measured alike. */
import { readFileSync } from 'node:fs';
import type { Usage } from '../../common/resources.ts';

/** Clock ticks per second of /proc/<pid>/stat's times; 100 on every Linux the bench runs on. */
const ticksPerSecond = 100;

/** utime + stime of `pid`, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces and parentheses): state is field 3, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / ticksPerSecond;
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/**
 * Samples the RSS of `pid` every 100 ms and counts its CPU time from now; `stop()` returns the peak (with the
 * kernel's high-water mark, which catches peaks between samples) and the CPU used.
 */
export function sampleProcess(pid: number): { stop(): Usage } {
  const cpu0 = cpuSeconds(pid);
  let peakKiB = statusKiB(pid, 'VmRSS');
  const timer = setInterval(() => (peakKiB = Math.max(peakKiB, statusKiB(pid, 'VmRSS'))), 100);
  return {
    stop() {
      clearInterval(timer);
      peakKiB = Math.max(peakKiB, statusKiB(pid, 'VmHWM'));
      return { peakRss: peakKiB * 1024, cpuSeconds: cpuSeconds(pid) - cpu0 };
    },
  };
}
