// What the timeline draws, derived from the evidence and the verdict: pure data, no markup.
import type { CheckResult, Violation } from "../../checks/check.ts";
import { marginOf } from "../../checks/context.ts";
import { ofKind } from "../../checks/select.ts";
import { type Term, termsOf } from "../../checks/terms.ts";
import type {
  BacklogSample,
  Effect,
  Evidence,
  FaultWindow,
  LeaseChange,
  ProcessEvent,
  RefusedEffect,
  RunMeta,
  WallMs,
  WorkerLog,
} from "../../observe/evidence.ts";
import { violationAnchor } from "./anchors.ts";
import { type TermRows, termRows } from "./lease-rows.ts";

/** A span of time on one lane. */
export interface Span {
  start: WallMs;
  end: WallMs;
}

/** How far past the bound it crossed a violation happened: drawn on its lane, from the bound to it. */
export interface ViolationSpan {
  kind: "past-expiry" | "into-margin" | "past-end";
  /** the bound: expires_at, expires_at - safety margin, or the term's end */
  from: WallMs;
  /** the violation's instant */
  to: WallMs;
  label: string;
}

/** A violation as the page shows it: an entry in the violations panel and, with an instant, a marker. */
export interface ListedViolation {
  check: string;
  /** its place (1-based) among its check's violations */
  n: number;
  violation: Violation;
  ts: WallMs | null;
  /** the id of its panel entry; its marker's id is markerAnchor(anchor) */
  anchor: string;
  /** the worker lane its marker sits on, "" for the run lane, null when it has no instant */
  lane: string | null;
  span: ViolationSpan | null;
  /** the lease rows of the term it is about, when it names a worker with a term */
  leaseRows: TermRows | null;
}

/** A violation placed on the timeline: which check found it and where it happened. */
export type PlacedViolation = ListedViolation & { ts: WallMs };

/** Everything drawn on one worker's lane. */
export interface Lane {
  worker: string;
  leaseName: string;
  role: string | null;
  bug: string | null;
  terms: Term[];
  /** from `lease expired locally` until the worker's next `lease state = LEADER`, or the end */
  localExpiry: Span[];
  batches: WorkerLog[];
  effects: Effect[];
  rejected: RefusedEffect[];
  process: ProcessEvent[];
  violations: PlacedViolation[];
}

/** Lanes of the workers sharing one lease, in the run's worker order. */
export interface LeaseGroup {
  leaseName: string;
  lanes: Lane[];
}

/** A narrated scenario step with its duration. */
export interface Step {
  name: string;
  start: WallMs;
  end: WallMs | null;
}

/** The whole picture of one run. */
export interface TimelineModel {
  meta: RunMeta;
  start: WallMs;
  end: WallMs;
  groups: LeaseGroup[];
  faults: FaultWindow[];
  steps: Step[];
  backlog: BacklogSample[];
  /** violations with an instant but no worker lane to sit on */
  runViolations: PlacedViolation[];
  /** every violation of every check, in check order: the violations panel */
  violations: ListedViolation[];
  /** violations with no instant at all (in the panel, not on the lanes) */
  unplaced: number;
}

/** Derives lanes, faults, steps and backlog from the evidence, placing each check's violations. */
export function timelineModel(evidence: Evidence, checks: CheckResult[]): TimelineModel {
  const { meta } = evidence;
  const terms = safeTerms(evidence);
  const lanes = new Map<string, Lane>();
  const lane = (worker: string, leaseName: string): Lane => {
    let l = lanes.get(worker);
    if (!l) {
      l = emptyLane(worker, leaseName, null, null);
      lanes.set(worker, l);
    }
    return l;
  };
  for (const w of meta.workers ?? []) lanes.set(w.id, emptyLane(w.id, w.leaseName, w.role, w.bug));

  for (const t of terms) lane(t.holder, t.leaseName).terms.push(t);
  for (const e of ofKind(evidence, "effect")) lane(e.worker, e.leaseName).effects.push(e);
  for (const e of ofKind(evidence, "refused-effect")) lane(e.worker, e.leaseName).rejected.push(e);
  for (const p of ofKind(evidence, "process"))
    lane(p.worker, lanes.get(p.worker)?.leaseName ?? "").process.push(p);
  const logs = ofKind(evidence, "worker-log");
  for (const l of logs) if (l.means === "batch-started") lane(l.worker, l.leaseName).batches.push(l);

  const faults = ofKind(evidence, "fault");
  const backlog = ofKind(evidence, "backlog");
  const steps = stepsOf(evidence);
  // Loops, not Math.max(...list): a long run records more events than a call may take arguments.
  // The axis starts at the run's start, as the checks' `+ms` offsets do; earlier events sit at 0.
  const start = meta.startedAt;
  let end = meta.observedUntil ?? meta.startedAt;
  for (const e of evidence.events) {
    end = Math.max(end, e.kind === "fault" ? (e.end ?? e.start) : e.ts);
  }
  // Terms still granted at the end (released at shutdown, or open) are clipped, not drawn out to
  // their expires_at: that would stretch the axis by up to a ttl with nothing happening in it.
  for (const t of terms) end = Math.max(end, t.start);

  for (const l of lanes.values()) l.localExpiry = expirySpans(logs, l.worker, l.process, end);

  const violations = listViolations(evidence, checks, terms, lanes);
  const runViolations: PlacedViolation[] = [];
  for (const v of violations) {
    if (!isPlaced(v)) continue;
    const target = v.lane ? lanes.get(v.lane) : undefined;
    if (target) target.violations.push(v);
    else runViolations.push(v);
  }

  return {
    meta,
    start,
    end,
    groups: groupByLease([...lanes.values()]),
    faults,
    steps,
    backlog,
    runViolations,
    violations,
    unplaced: violations.filter((v) => v.ts === null).length,
  };
}

function emptyLane(worker: string, leaseName: string, role: string | null, bug: string | null): Lane {
  return {
    worker,
    leaseName,
    role,
    bug,
    terms: [],
    localExpiry: [],
    batches: [],
    effects: [],
    rejected: [],
    process: [],
    violations: [],
  };
}

// A malformed lease history must not cost the whole picture: draw the rest without terms.
function safeTerms(evidence: Evidence): Term[] {
  try {
    return termsOf(evidence);
  } catch {
    return [];
  }
}

// A span closes at the worker's next LEADER line, else when its process stopped, died or was killed,
// else at the end of the picture.
function expirySpans(logs: WorkerLog[], worker: string, process: ProcessEvent[], end: WallMs): Span[] {
  const spans: Span[] = [];
  let open: WallMs | null = null;
  for (const l of logs) {
    if (l.worker !== worker) continue;
    if (l.means === "expired-locally" && open === null) open = l.ts;
    else if (l.means === "leader" && open !== null) {
      spans.push({ start: open, end: Math.min(l.ts, processEnd(process, open) ?? l.ts) });
      open = null;
    }
  }
  if (open !== null) spans.push({ start: open, end: processEnd(process, open) ?? end });
  return spans;
}

// When the harness next stopped or killed the worker, or saw it exit, at or after `from`.
function processEnd(events: ProcessEvent[], from: WallMs): WallMs | null {
  const ends = new Set(["stop", "kill", "exit"]);
  return events.find((p) => p.ts >= from && ends.has(p.event))?.ts ?? null;
}

function stepsOf(evidence: Evidence): Step[] {
  const steps: Step[] = [];
  for (const s of ofKind(evidence, "step")) {
    if (s.phase === "start") steps.push({ name: s.name, start: s.ts, end: null });
    else {
      const open = steps.findLast((x) => x.name === s.name && x.end === null);
      if (open) open.end = s.ts;
    }
  }
  return steps;
}

function groupByLease(lanes: Lane[]): LeaseGroup[] {
  const groups: LeaseGroup[] = [];
  for (const l of lanes) {
    const g = groups.find((x) => x.leaseName === l.leaseName);
    if (g) g.lanes.push(l);
    else groups.push({ leaseName: l.leaseName, lanes: [l] });
  }
  return groups;
}

function isPlaced(v: ListedViolation): v is PlacedViolation {
  return v.ts !== null;
}

// What placing a violation needs to know of the run.
interface Context {
  meta: RunMeta;
  changes: LeaseChange[];
  terms: Term[];
  lanes: Map<string, Lane>;
}

function listViolations(
  evidence: Evidence,
  checks: CheckResult[],
  terms: Term[],
  lanes: Map<string, Lane>,
): ListedViolation[] {
  const ctx = { meta: evidence.meta, changes: ofKind(evidence, "lease-change"), terms, lanes };
  return checks.flatMap((c) => c.violations.map((v, i) => listed(c.id, i + 1, v, ctx)));
}

function listed(check: string, n: number, v: Violation, ctx: Context): ListedViolation {
  const ts = num(v.ts);
  const worker = typeof v.worker === "string" ? v.worker : null;
  const lane = ts === null ? null : worker !== null && ctx.lanes.has(worker) ? worker : "";
  const leaseName =
    typeof v.leaseName === "string" ? v.leaseName : worker ? ctx.lanes.get(worker)?.leaseName : undefined;
  // The term a violation broke: the one it names as ended (termEpoch), else the epoch it acted under.
  const epoch = num(v.termEpoch) ?? num(v.epoch);
  const leaseRows =
    worker && leaseName && ts !== null
      ? termRows(ctx.changes, ctx.terms, leaseName, worker, epoch, ts)
      : null;
  return {
    check,
    n,
    violation: v,
    ts,
    anchor: violationAnchor(check, n),
    lane,
    span: ts === null ? null : spanOf(v, ts, ctx.meta),
    leaseRows,
  };
}

// From the bound the violation crossed to its instant, labelled with the check's own figure. The
// bound comes from the violation's fields (expires_at, the margin, the term's end), else back from
// that figure.
function spanOf(v: Violation, ts: WallMs, meta: RunMeta): ViolationSpan | null {
  const pastExpiry = num(v.msPastExpiry);
  const intoMargin = num(v.msIntoMargin);
  const pastEnd = num(v.msPastEnd);
  const expiresAt = num(v.expiresAt);
  let span: ViolationSpan | null = null;
  if (pastExpiry !== null) {
    const from = expiresAt ?? ts - pastExpiry;
    span = { kind: "past-expiry", from, to: ts, label: `${Math.round(pastExpiry)} ms past expiry` };
  } else if (intoMargin !== null) {
    const worker = typeof v.worker === "string" ? v.worker : "";
    const margin = num(v.safetyMarginMs) ?? marginOf(meta, worker);
    const from = expiresAt === null ? ts - intoMargin : expiresAt - margin;
    span = {
      kind: "into-margin",
      from,
      to: ts,
      label: `${Math.round(intoMargin)} ms into the safety margin`,
    };
  } else if (pastEnd !== null) {
    const from = num(v.termEnd) ?? ts - pastEnd;
    span = { kind: "past-end", from, to: ts, label: `${Math.round(pastEnd)} ms after its term ended` };
  }
  return span && span.to > span.from ? span : null;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
