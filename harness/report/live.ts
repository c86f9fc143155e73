// A run's report written as the run goes: events.jsonl grows with every event recorded, so an
// interrupted or crashed run still leaves its evidence; at exit before the end, verdict.json and a
// timeline marked interrupted are written from what was recorded. The end of the run rewrites
// everything in time order (writeReport).
import fs from "node:fs";
import path from "node:path";
import { onExitSync } from "../cleanup.ts";
import type { Evidence, EvidenceEvent, RunMeta } from "../observe/evidence.ts";
import { renderTimeline } from "./timeline.ts";
import type { VerdictFile } from "./write.ts";

/** The report folder of one run while it runs. */
export class LiveReport {
  #events: EvidenceEvent[] = [];
  #meta: Partial<RunMeta> = {};
  #done = false;
  readonly #file: string;
  readonly #unregister: () => void;

  constructor(
    readonly dir: string,
    private readonly verdictBase: () => Omit<
      VerdictFile,
      "verdict" | "reasons" | "checks" | "metrics" | "premises"
    >,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    this.#file = path.join(dir, "events.jsonl");
    fs.writeFileSync(this.#file, "");
    this.#unregister = onExitSync(() => this.#interrupted());
  }

  /** The run's metadata as known so far (the first line of events.jsonl when it ends early). */
  meta(meta: Partial<RunMeta>): void {
    this.#meta = { ...this.#meta, ...meta };
    fs.appendFileSync(this.#file, `${JSON.stringify({ kind: "meta", state: "running", ...this.#meta })}\n`);
  }

  /** Appends one event as it is recorded. */
  record = (event: EvidenceEvent): void => {
    this.#events.push(event);
    try {
      fs.appendFileSync(this.#file, `${JSON.stringify(event)}\n`);
    } catch {
      // The folder went away (removed under us): the final report says so when it is written.
    }
  };

  /** The run ended on its own: the final report replaces this one. */
  finish(): void {
    this.#done = true;
    this.#unregister();
  }

  // At exit before the end (Ctrl-C, a crash): what was recorded, judged by nothing, marked interrupted.
  #interrupted(): void {
    if (this.#done) return;
    const now = Date.now();
    const meta = {
      scenario: "interrupted",
      runId: "",
      seed: 0,
      ttlMs: 0,
      safetyMarginMs: 0,
      bug: null,
      workers: [],
      drainBoundMs: 0,
      ...this.#meta,
      startedAt: this.#meta.startedAt ?? now,
      healedAt: null,
      observedUntil: now,
      interrupted: true,
    } as RunMeta;
    const evidence: Evidence = {
      meta,
      events: [...this.#events].sort(
        (a, b) => (a.kind === "fault" ? a.start : a.ts) - (b.kind === "fault" ? b.start : b.ts),
      ),
    };
    const verdict: VerdictFile = {
      ...this.verdictBase(),
      verdict: "unknown",
      reasons: [
        `interrupted at +${Math.round(now - meta.startedAt)} ms, before the run could heal, drain and judge`,
      ],
      checks: [],
      metrics: {},
    };
    try {
      fs.writeFileSync(path.join(this.dir, "verdict.json"), `${JSON.stringify(verdict, null, 2)}\n`);
      fs.writeFileSync(path.join(this.dir, "timeline.html"), renderTimeline(evidence, verdict));
    } catch {
      // Best effort at exit: events.jsonl is already there.
    }
  }
}
