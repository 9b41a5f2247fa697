/** This process's resource use while a benchmark runs. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface Usage {
  peakRss: number;
  cpuSeconds: number;
}

/** Samples RSS every 100 ms and counts CPU time from now; `stop()` returns the peak and the CPU used. */
export function sampleUsage(): { stop(): Usage } {
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const cpu0 = process.cpuUsage();
  return {
    stop() {
      const cpu = process.cpuUsage(cpu0);
      clearInterval(timer);
      // The kernel's high-water mark catches peaks between samples.
      peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
      return { peakRss, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
    },
  };
}

let gc: (() => void) | undefined;

/** Heap and RSS after forced full GCs, so the difference of two readings is memory still referenced. */
export function retainedMemory(): { rss: number; heap: number } {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}
