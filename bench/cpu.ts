// The machine's CPU use over a stretch of time, from /proc/stat: how many cores were busy on
// average. Run under the heavy-work lock on an otherwise quiet machine, a pass of runs one at a
// time measures what one run costs (what --jobs auto divides the cores by).
import fs from "node:fs";

interface Ticks {
  busy: number;
  total: number;
}

function ticks(): Ticks | null {
  try {
    const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Starts a measurement; the function returned gives the average busy cores since (NaN off Linux). */
export function cpuMeter(cores: number): () => number {
  const start = ticks();
  return () => {
    const end = ticks();
    if (!start || !end || end.total === start.total) return Number.NaN;
    return ((end.busy - start.busy) / (end.total - start.total)) * cores;
  };
}
