// Which combinations a campaign has tried: primitive x target role x the target's lease phase when
// the fault hit it. New schedules lean toward combinations not tried yet: of several candidates
// drawn from the seed, the one with the most untried combinations (as predicted from its targets
// and triggers) is run; what it really hit is counted from its firings.
import { predictedPhase } from "./generate.ts";
import { primitiveSpec } from "./primitives.ts";
import type { Firing, Phase } from "./runner.ts";
import type { Primitive, Schedule } from "./schedule.ts";

const WORKER_PHASES: Phase[] = ["leading", "renewing", "mid-batch", "near-expiry", "standby"];

/** A combination's key: `pause/leader/mid-batch`. */
export function comboKey(fault: Primitive, role: string, phase: Phase): string {
  return `${fault}/${role}/${phase}`;
}

/** The combinations a campaign over `primitives` can reach. */
export function universe(primitives: Primitive[]): string[] {
  return primitives.flatMap((p) =>
    primitiveSpec(p).targets.flatMap((role) =>
      role === "database"
        ? [comboKey(p, role, "database")]
        : role === "standby"
          ? [comboKey(p, role, "standby")]
          : WORKER_PHASES.filter((ph) => ph !== "standby").map((ph) => comboKey(p, role, ph)),
    ),
  );
}

/** The tried combinations of a campaign, with how often each was hit. */
export class Coverage {
  readonly tried = new Map<string, number>();

  constructor(readonly all: string[]) {}

  /** Counts what a run's faults really hit. */
  record(firings: Firing[]): void {
    for (const f of firings) {
      if (f.phase === null || f.missed) continue;
      const key = comboKey(f.fault, f.role, f.phase);
      this.tried.set(key, (this.tried.get(key) ?? 0) + 1);
    }
  }

  /**
   * How new a schedule's predicted combinations are: first how many are untried, then the mean of
   * 1 / (1 + times tried) over its tried ones (1 when it has none; at most 1/2 otherwise, so it only
   * breaks ties between equal counts of untried ones). Untried ones win first; once every one was
   * tried, the least-tried still win, and a schedule is never preferred for its size alone.
   */
  novelty(s: Schedule): number {
    const keys = [...new Set(s.faults.map((e) => comboKey(e.fault, e.target, predictedPhase(e))))];
    const counts = keys.map((k) => this.tried.get(k) ?? 0);
    const tried = counts.filter((n) => n > 0);
    const untried = counts.length - tried.length;
    return untried + (tried.length ? tried.reduce((sum, n) => sum + 1 / (1 + n), 0) / tried.length : 1);
  }

  /** `23/110 combinations tried` */
  summary(): string {
    const hit = this.all.filter((k) => this.tried.has(k)).length;
    return `${hit}/${this.all.length} combinations tried`;
  }

  /** The table the summary prints: per primitive, the phases hit and missed. */
  table(): string[] {
    const byPrimitive = new Map<string, string[]>();
    for (const k of this.all) {
      const [p] = k.split("/");
      byPrimitive.set(p as string, [...(byPrimitive.get(p as string) ?? []), k]);
    }
    return [...byPrimitive].map(([p, keys]) => {
      const cells = keys.map((k) => {
        const n = this.tried.get(k) ?? 0;
        return `${k.slice(p.length + 1)}${n ? `×${n}` : " -"}`;
      });
      return `${p.padEnd(24)} ${cells.join("  ")}`;
    });
  }
}
