import { UsageError } from "../errors.ts";
import type { Stream } from "../faults/toxic.ts";

/** The fault kinds `lease-chaos inject` knows: the catalogue's faults, by the names an engineer uses. */
export const INJECT_KINDS = [
  "pause",
  "kill",
  "restart",
  "stop",
  "latency",
  "blackhole",
  "refused",
  "outage",
  "clock-step",
  "clock-rate",
  "zombie",
  "lease-row-lock",
  "work-row-lock",
  "backend-terminated",
  "same-identity-successor",
] as const;
export type InjectKind = (typeof INJECT_KINDS)[number];

export const DIRECTIONS = ["both", "downstream", "upstream"] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** One injection as it travels from `inject` to the watch: checked on both sides. */
export interface FaultRequest {
  kind: InjectKind;
  /** a worker id, `leader` (the target lease's holder) or `leader:LEASE`; absent for outage */
  target?: string;
  latencyMs?: number;
  jitterMs?: number;
  direction?: Direction;
  graceMs?: number;
  offsetMs?: number;
  rate?: number;
  /** backend-terminated: which of the worker's sessions */
  session?: "lease" | "work" | "any";
  /** heal after this long; absent: stays on until `heal` or the end of the watch */
  forMs?: number;
  /** a correct system rides it out with no change of holder (no-needless-failover judges it) */
  tolerable?: boolean;
}

/** What each kind of fault is and which options it takes (for help and for checking). */
export const KIND_HELP: Record<InjectKind, { what: string; options: (keyof FaultRequest)[] }> = {
  pause: { what: "SIGSTOP the worker (docker pause); heal resumes it", options: [] },
  kill: { what: "SIGKILL the worker; heal starts it again with the same identity", options: [] },
  restart: { what: "restart the worker with the same identity (nothing to heal)", options: [] },
  stop: {
    what: "SIGTERM and wait --grace-ms (a rolling deploy); heal starts it again",
    options: ["graceMs"],
  },
  latency: {
    what: "delay the worker's Postgres traffic by --latency-ms (+- --jitter-ms) each --direction",
    options: ["latencyMs", "jitterMs", "direction"],
  },
  blackhole: {
    what: "drop the worker's Postgres traffic in --direction (downstream only: replies lost)",
    options: ["direction"],
  },
  refused: { what: "the worker's connections are refused (its proxy disabled)", options: [] },
  outage: { what: "Postgres refuses every worker (no --target)", options: [] },
  "clock-step": {
    what: "step the worker's wall clock by --offset-ms (watch --clock-faults)",
    options: ["offsetMs"],
  },
  "clock-rate": { what: "run the worker's clocks at --rate (watch --clock-faults)", options: ["rate"] },
  zombie: { what: "start a second process with the worker's identity; heal kills it", options: [] },
  "lease-row-lock": {
    what: "hold a lock on the worker's lease row: its renewals stall, its work goes on; heal releases it",
    options: [],
  },
  "work-row-lock": {
    what: "lock the worker's effect tables: its work stalls, its renewals go on; heal releases them",
    options: [],
  },
  "backend-terminated": {
    what: "pg_terminate_backend one of the worker's sessions (--session lease, work or any; nothing to heal)",
    options: ["session"],
  },
  "same-identity-successor": {
    what: "freeze the worker while a process with its identity takes the next term; heal resumes the old one",
    options: [],
  },
};

// Kinds whose heal undoes nothing: a duration means nothing for them.
const INSTANT: ReadonlySet<InjectKind> = new Set(["restart", "backend-terminated"]);

/** True for a fault that is over once applied (a restart): nothing stays on, nothing to heal. */
export function isInstant(kind: InjectKind): boolean {
  return INSTANT.has(kind);
}

const FLAG: Record<string, string> = {
  latencyMs: "--latency-ms",
  jitterMs: "--jitter-ms",
  direction: "--direction",
  graceMs: "--grace-ms",
  offsetMs: "--offset-ms",
  rate: "--rate",
  session: "--session",
};

/** Streams of a direction, as the proxy's toxics name them. */
export function streamsOf(direction: Direction): Stream[] {
  return direction === "both" ? ["upstream", "downstream"] : [direction];
}

/** Parses a duration such as `20s`, `1500ms`, `2m` or `1m30s` into milliseconds; a UsageError names the option. */
export function parseDuration(option: string, text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const whole = parts.map((p) => p[0]).join("");
  if (parts.length === 0 || whole !== text)
    throw new UsageError(
      `${option} ${JSON.stringify(text)} is not a duration; give a number with a unit, e.g. 20s, 1500ms, 2m, 1m30s`,
    );
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
  const ms = Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2] as keyof typeof unit], 0));
  if (ms < 100 || ms > 24 * 3_600_000)
    throw new UsageError(`${option} ${text} is out of range: give 100ms to 24h`);
  return ms;
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

/**
 * Checks a request whatever sent it: the kind, which options apply to it, and each value's range.
 * Returns it with its defaults filled in; throws a UsageError naming the option and the value.
 */
export function checkRequest(raw: unknown): FaultRequest {
  if (typeof raw !== "object" || raw === null) throw new UsageError("an injection must be a JSON object");
  const r = raw as Record<string, unknown>;
  const kind = r.kind as InjectKind;
  if (!INJECT_KINDS.includes(kind))
    throw new UsageError(`unknown fault kind ${JSON.stringify(r.kind)}; kinds: ${INJECT_KINDS.join(", ")}`);
  const allowed = new Set<string>(["kind", "target", "forMs", "tolerable", ...KIND_HELP[kind].options]);
  for (const [key, value] of Object.entries(r)) {
    if (value === undefined || allowed.has(key)) continue;
    throw new UsageError(`${FLAG[key] ?? key} does not apply to ${kind} (${kind} takes ${optionList(kind)})`);
  }
  const out: FaultRequest = { kind };
  if (kind === "outage") {
    if (r.target !== undefined)
      throw new UsageError("outage cuts every worker off; --target does not apply to it");
  } else {
    if (typeof r.target !== "string" || r.target === "")
      throw new UsageError(`${kind} needs --target WORKER, leader or leader:LEASE`);
    out.target = r.target;
  }
  const range = (key: string, min: number, max: number): number | undefined => {
    const v = r[key];
    if (v === undefined) return undefined;
    if (!isInt(v) || v < min || v > max)
      throw new UsageError(
        `${FLAG[key]} ${JSON.stringify(v)} is out of range: give a whole number from ${min} to ${max}`,
      );
    return v;
  };
  if (kind === "latency") {
    out.latencyMs = range("latencyMs", 1, 600_000) ?? 1_500;
    out.jitterMs = range("jitterMs", 0, 600_000) ?? 0;
    if (out.jitterMs > out.latencyMs)
      throw new UsageError(`--jitter-ms ${out.jitterMs} is larger than --latency-ms ${out.latencyMs}`);
  }
  if (kind === "latency" || kind === "blackhole") {
    const d = r.direction ?? "both";
    if (!DIRECTIONS.includes(d as Direction))
      throw new UsageError(`--direction ${JSON.stringify(d)}: give ${DIRECTIONS.join(", ")}`);
    out.direction = d as Direction;
  }
  if (kind === "stop") {
    const grace = range("graceMs", 0, 600_000);
    if (grace !== undefined) out.graceMs = grace;
  }
  if (kind === "clock-step") {
    const offset = range("offsetMs", -86_400_000, 86_400_000);
    if (offset === undefined || offset === 0)
      throw new UsageError("clock-step needs --offset-ms, a nonzero step in ms (negative steps back)");
    out.offsetMs = offset;
  }
  if (kind === "clock-rate") {
    const rate = r.rate;
    if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0.1 || rate > 10 || rate === 1)
      throw new UsageError(
        `--rate ${JSON.stringify(rate)}: give a rate from 0.1 to 10 other than 1, e.g. 1.5`,
      );
    out.rate = rate;
  }
  if (kind === "backend-terminated") {
    const session = r.session ?? "any";
    if (session !== "lease" && session !== "work" && session !== "any")
      throw new UsageError(`--session ${JSON.stringify(session)}: give lease, work or any`);
    out.session = session;
  }
  if (r.forMs !== undefined) {
    if (INSTANT.has(kind)) throw new UsageError(`--for does not apply to ${kind}: there is nothing to heal`);
    if (!isInt(r.forMs) || r.forMs < 100 || r.forMs > 24 * 3_600_000)
      throw new UsageError(`--for ${JSON.stringify(r.forMs)} ms is out of range: give 100ms to 24h`);
    out.forMs = r.forMs;
  }
  if (r.tolerable !== undefined) {
    if (typeof r.tolerable !== "boolean") throw new UsageError("tolerable must be true or false");
    if (r.tolerable) out.tolerable = true;
  }
  return out;
}

function optionList(kind: InjectKind): string {
  const own = KIND_HELP[kind].options.map((o) => FLAG[o] as string);
  return [...(kind === "outage" ? [] : ["--target"]), ...own, ...(INSTANT.has(kind) ? [] : ["--for"])].join(
    ", ",
  );
}

/** A duration as `--for` takes it: `20s`, or `1500ms` when it is not whole seconds. */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The `lease-chaos inject` arguments that make this request again, e.g. `latency --target leader --latency-ms 1500 --for 20s`. */
export function injectArgs(r: FaultRequest): string {
  const parts: string[] = [r.kind];
  if (r.target !== undefined) parts.push("--target", r.target);
  for (const option of KIND_HELP[r.kind].options) {
    const value = r[option];
    // Defaults are left out: the line stays what an engineer would type.
    const isDefault = (option === "jitterMs" && value === 0) || (option === "direction" && value === "both");
    if (value !== undefined && !isDefault) parts.push(FLAG[option] as string, String(value));
  }
  if (r.forMs !== undefined) parts.push("--for", formatDuration(r.forMs));
  if (r.tolerable) parts.push("--tolerable");
  return parts.join(" ");
}

/** A request in a line, e.g. `latency 1500 ms (both ways) on leader for 20 s`. */
export function describeRequest(r: FaultRequest): string {
  const what =
    r.kind === "latency"
      ? `latency ${r.latencyMs} ms${r.jitterMs ? ` +- ${r.jitterMs} ms` : ""} (${r.direction === "both" ? "each way" : r.direction})`
      : r.kind === "blackhole"
        ? `blackhole (${r.direction === "both" ? "both ways" : r.direction})`
        : r.kind === "clock-step"
          ? `clock step ${(r.offsetMs ?? 0) > 0 ? "+" : ""}${r.offsetMs} ms`
          : r.kind === "clock-rate"
            ? `clock rate ${r.rate}x`
            : r.kind === "stop" && r.graceMs !== undefined
              ? `stop (grace ${r.graceMs} ms)`
              : r.kind;
  const on = r.target ? ` on ${r.target}` : " on every worker";
  const span = r.forMs !== undefined ? ` for ${(r.forMs / 1000).toFixed(r.forMs % 1000 ? 1 : 0)} s` : "";
  return `${what}${on}${span}`;
}
