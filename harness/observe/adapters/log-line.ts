// The log adapter: turns one line of any worker's output into a normalized worker-log event, as its
// profile describes the format (JSON with field paths, or text with a regex and key=value fields)
// and which message means what. Checks read `means`, never a message string.

import type { LineMatcher, LinesSpec, LogSpec } from "../../profile/schema.ts";
import type { LineKind, WorkerLog, WorkerOutput } from "../evidence.ts";
import { parseTime } from "./time.ts";

/** The order meanings are tried in; the first that matches wins. */
const KINDS: [keyof LinesSpec, LineKind][] = [
  ["expiredLocally", "expired-locally"],
  ["leaseLost", "lease-lost"],
  ["refused", "refused"],
  ["leader", "leader"],
  ["standby", "standby"],
  ["batchStarted", "batch-started"],
  ["itemStarted", "item-started"],
];

type Test = (message: string) => boolean;

function tester(m: LineMatcher): Test | null {
  if (m === null) return null;
  if (typeof m === "string") return (msg) => msg === m;
  const re = new RegExp(m.regex, m.flags);
  return (msg) => re.test(msg);
}

/** Where a line came from: which instance of which worker, on which stream, when it arrived. */
export interface LineOrigin {
  worker: string;
  instance: number;
  leaseName: string;
  stream: "stdout" | "stderr";
  /** harness wall clock when the line arrived */
  receivedAt: number;
  /** added to the worker's own time: the inverse of a clock fault on it (0 when none) */
  clockCorrection?: (workerTs: number) => number;
}

/** A parser for one role's lines: a log line, a line of a stream it does not read, or nothing (blank). */
export type LineParser = (text: string, origin: LineOrigin) => WorkerLog | WorkerOutput | null;

/** Builds the parser of a role's log lines; a line of the other stream is kept as output. */
export function lineParser(logs: LogSpec, lines: LinesSpec): LineParser {
  const meanings = KINDS.flatMap(([key, kind]) => {
    const test = tester(lines[key]);
    return test ? [[kind, test] as const] : [];
  });
  const classify = (msg: string): LineKind | undefined => meanings.find(([, t]) => t(msg))?.[0];
  const parse = logs.format === "json" ? jsonFields(logs) : textFields(logs);
  return (text, origin) => {
    const trimmed = text.trim();
    if (!trimmed) return null;
    if (logs.stream !== "both" && logs.stream !== origin.stream)
      return {
        kind: "output",
        ts: origin.receivedAt,
        worker: origin.worker,
        instance: origin.instance,
        stream: origin.stream,
        text: text.trimEnd(),
      };
    const fields = parse(trimmed);
    if (!fields) {
      return {
        kind: "worker-log",
        ts: origin.receivedAt,
        receivedAt: origin.receivedAt,
        worker: origin.worker,
        instance: origin.instance,
        leaseName: origin.leaseName,
        stream: origin.stream,
        level: "raw",
        msg: trimmed,
        parsed: false,
        line: { raw: trimmed },
      };
    }
    const workerTs = parseTime(fields.time, logs.time);
    const ts = Number.isFinite(workerTs)
      ? (origin.clockCorrection?.(workerTs) ?? workerTs)
      : origin.receivedAt;
    const means = classify(fields.message);
    const epoch = toNumber(fields.epoch);
    const items = itemsOf(fields.item);
    return {
      kind: "worker-log",
      ts,
      receivedAt: origin.receivedAt,
      worker: origin.worker,
      instance: origin.instance,
      leaseName: typeof fields.lease === "string" && fields.lease ? fields.lease : origin.leaseName,
      stream: origin.stream,
      level: typeof fields.level === "string" ? fields.level.toLowerCase() : "info",
      msg: fields.message,
      parsed: true,
      ...(means ? { means } : {}),
      ...(epoch !== undefined ? { epoch } : {}),
      ...(items.length === 1 ? { item: items[0] as string } : {}),
      ...(items.length > 1 || Array.isArray(fields.item) || isListText(fields.item) ? { items } : {}),
      ...(typeof fields.workloadId === "string" && fields.workloadId !== origin.worker
        ? { claimedWorker: fields.workloadId }
        : {}),
      line: fields.all,
    };
  };
}

/** A line's fields as the profile names them. */
interface Fields {
  time: unknown;
  level: unknown;
  message: string;
  workloadId: unknown;
  lease: unknown;
  epoch: unknown;
  item: unknown;
  all: Record<string, unknown>;
}

/** A list written as text: `[12,13,14]`, `[a, "b c"]`, `[]`. */
function isListText(value: unknown): value is string {
  return typeof value === "string" && /^\[.*\]$/s.test(value.trim());
}

/**
 * The items a line names: one value, a JSON array, or a list written as text (`[12,13,14]`,
 * `[12, 13, 14]`, `["a","b"]`); numbers and strings both become strings; empty and null name none.
 */
export function itemsOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value))
    return value.filter((v) => v !== null && v !== undefined && v !== "").map((v) => String(v));
  if (isListText(value)) {
    const inner = value.trim().slice(1, -1).trim();
    if (inner === "") return [];
    return inner
      .split(",")
      .map((part) => part.trim().replace(/^(["'])(.*)\1$/s, "$2"))
      .filter((part) => part !== "");
  }
  const text = String(value);
  return text === "" ? [] : [text];
}

/** Epochs come as numbers or numeric strings ("7", 7n printed); anything else is no epoch. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

function at(obj: unknown, path: string | null): unknown {
  if (path === null) return undefined;
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function jsonFields(logs: Extract<LogSpec, { format: "json" }>): (text: string) => Fields | null {
  const f = logs.fields;
  return (text) => {
    if (!text.startsWith("{")) return null;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      return null;
    }
    if (obj === null || typeof obj !== "object") return null;
    const message = at(obj, f.message);
    if (typeof message !== "string") return null;
    return {
      time: at(obj, f.time),
      level: at(obj, f.level),
      message,
      workloadId: at(obj, f.workloadId),
      lease: at(obj, f.lease),
      epoch: at(obj, f.epoch),
      item: at(obj, f.item),
      all: obj as Record<string, unknown>,
    };
  };
}

// key=value at the end of a text message: the value is "a quoted string" (with \ escapes), a
// [list] (no ] inside), or a run of characters other than spaces (docs/profiles.md: text logs).
const TRAILING_FIELD = /\s+([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\[[^\]]*\]|\S*)$/;

/**
 * Splits trailing key=value pairs off a message, from its end: `now leading term=3 x="a b"` ->
 * `now leading`, {term, x}; `forward_batch done forwarded=[12, 13]` -> `forward_batch done`,
 * {forwarded: "[12, 13]"}. It stops at the first word from the end that is not a pair.
 */
export function splitFields(message: string): { text: string; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  let text = message;
  for (;;) {
    const m = TRAILING_FIELD.exec(text);
    if (!m) break;
    const [whole, key, raw] = m as unknown as [string, string, string];
    fields[key] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    text = text.slice(0, text.length - whole.length);
  }
  return { text: text.trim(), fields };
}

function textFields(logs: Extract<LogSpec, { format: "text" }>): (text: string) => Fields | null {
  const re = new RegExp(logs.pattern);
  const f = logs.fields;
  return (text) => {
    const m = re.exec(text);
    const groups = m?.groups;
    if (!groups || groups.message === undefined) return null;
    const { text: message, fields } = splitFields(groups.message);
    const all: Record<string, unknown> = { ...fields };
    for (const [k, v] of Object.entries(groups)) if (v !== undefined && k !== "message") all[k] = v;
    all.message = message;
    const pick = (name: string | null) => (name === null ? undefined : all[name]);
    return {
      time: groups.time,
      level: groups.level,
      message,
      workloadId: pick(f.workloadId) ?? groups.workloadId,
      lease: pick(f.lease),
      epoch: pick(f.epoch),
      item: pick(f.item),
      all,
    };
  };
}
