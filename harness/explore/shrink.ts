// Shrinking a failing schedule: fast-check's shrinker proposes simpler schedules (fewer faults,
// shorter, smaller, simpler triggers and targets); each is re-run, and since timing makes failures
// flaky, a candidate counts as failing when it fails the same check in at least one of k tries.
// Greedy: the first candidate that fails replaces the schedule, until none does. Then a last pass
// tries removing each fault, shortening each one by a quarter and the steady pace, so the result is
// a schedule from which no single fault can be removed or shortened, nor its pace made steady
// (within k tries each), and still fail.
import type fc from "fast-check";
import { describeEvent, type FaultEvent, type Schedule } from "./schedule.ts";

/** One run of a candidate: did it fail the check, and did every fault take effect. */
export interface Attempt {
  /** every fault fired and took effect: only such a run is evidence */
  applied: boolean;
  /** the checks that failed */
  failed: string[];
}

/** Runs a schedule once (the campaign's runner, with its own seed per try). */
export type AttemptFn = (schedule: Schedule, label: string) => Promise<Attempt>;

/** How a shrink went: the schedule it ended at, and how sure it is. */
export interface ShrinkResult {
  schedule: Schedule;
  /** candidates accepted (each simpler than the one before) */
  steps: number;
  /** candidates tried */
  candidates: number;
  /** runs made (each candidate up to k) */
  runs: number;
  /** no single removal or shortening of the result failed in k tries */
  minimal: boolean;
  /** the neighbours the last pass tried, each passing k times (when minimal) */
  neighbours: string[];
  /** the budget (candidates or time) ran out before it could finish */
  cutShort: boolean;
  /** every schedule it accepted, from the one it started with to the last */
  chain: Schedule[];
}

/** What a shrink may spend. */
export interface ShrinkBudget {
  tries: number;
  /** tries of one candidate run side by side (the campaign's --jobs; default 1) */
  parallel?: number;
  maxCandidates: number;
  /** Date.now() after which no candidate is started */
  deadline: number;
}

/** Does `s` fail `check` in at least one of `tries` runs (counting only runs where every fault applied)? */
async function failsSame(
  s: Schedule,
  check: string,
  tries: number,
  attempt: AttemptFn,
  label: string,
  parallel = 1,
): Promise<{ fails: boolean; runs: number }> {
  let runs = 0;
  // Side by side in groups of `parallel`; the first group with a failure ends it.
  for (let i = 1; i <= tries; i += parallel) {
    const group = Array.from({ length: Math.min(parallel, tries - i + 1) }, (_, j) => i + j);
    const results = await Promise.all(group.map((n) => attempt(s, `${label} try ${n}/${tries}`)));
    runs += group.length;
    if (results.some((a) => a.applied && a.failed.includes(check))) return { fails: true, runs };
  }
  return { fails: false, runs };
}

/** Shrinks `start` (a value fast-check generated, with its shrink context) while it fails `check`. */
export async function shrinkSchedule(
  start: fc.Value<Schedule>,
  arb: fc.Arbitrary<Schedule>,
  check: string,
  attempt: AttemptFn,
  budget: ShrinkBudget,
  log: (line: string) => void = () => {},
): Promise<ShrinkResult> {
  let current = start;
  let schedule = start.value_;
  const out: ShrinkResult = {
    schedule,
    steps: 0,
    candidates: 0,
    runs: 0,
    minimal: false,
    neighbours: [],
    cutShort: false,
    chain: [start.value_],
  };
  const spent = () => out.candidates >= budget.maxCandidates || Date.now() >= budget.deadline;
  // fast-check's moves, greedily.
  outer: for (;;) {
    for (const candidate of arb.shrink(current.value_, current.context)) {
      if (spent()) {
        out.cutShort = true;
        break outer;
      }
      out.candidates += 1;
      const r = await failsSame(
        candidate.value_,
        check,
        budget.tries,
        attempt,
        `shrink ${out.candidates}`,
        budget.parallel,
      );
      out.runs += r.runs;
      if (r.fails) {
        current = candidate;
        schedule = candidate.value_;
        out.chain.push(schedule);
        out.steps += 1;
        log(
          `shrink: still fails ${check} with ${schedule.faults.map(describeEvent).join("; ")} (candidate ${out.candidates})`,
        );
        continue outer;
      }
    }
    break;
  }
  // The last pass: every single removal and shortening must pass.
  for (;;) {
    const next = neighbours(schedule);
    let moved = false;
    out.neighbours = [];
    for (const n of next) {
      if (spent()) {
        out.cutShort = true;
        out.schedule = schedule;
        return out;
      }
      out.candidates += 1;
      const r = await failsSame(n.schedule, check, budget.tries, attempt, `check ${n.what}`, budget.parallel);
      out.runs += r.runs;
      if (r.fails) {
        schedule = n.schedule;
        out.chain.push(schedule);
        out.steps += 1;
        moved = true;
        log(`shrink: ${n.what} still fails ${check}`);
        break;
      }
      out.neighbours.push(n.what);
    }
    if (!moved) break;
  }
  out.schedule = schedule;
  out.minimal = true;
  return out;
}

/**
 * The schedules one step simpler than `s`: the steady pace, each fault removed, each one shortened
 * by a quarter.
 */
export function neighbours(s: Schedule): { what: string; schedule: Schedule }[] {
  const out: { what: string; schedule: Schedule }[] = [];
  const with_ = (faults: FaultEvent[]): Schedule => ({ ...s, faults });
  if (s.pace === "slow-items") {
    const { pace: _pace, ...steady } = s;
    out.push({ what: "at the steady pace", schedule: steady });
  }
  if (s.faults.length > 1)
    for (let i = 0; i < s.faults.length; i++)
      out.push({ what: `without fault ${i + 1}`, schedule: with_(s.faults.filter((_f, j) => j !== i)) });
  s.faults.forEach((e, i) => {
    if (e.durationMs >= 40) {
      const shorter = { ...e, durationMs: Math.floor(e.durationMs * 0.75) };
      out.push({
        what: `fault ${i + 1} held ${shorter.durationMs} ms instead of ${e.durationMs}`,
        schedule: with_(s.faults.map((f, j) => (j === i ? shorter : f))),
      });
    }
  });
  return out;
}
