import type { EvidenceEvent, LeaseChange } from "../observe/evidence.ts";
import { clock } from "../run/session.ts";

// What a watch narrates: the lease rows changing hands, the lines the runbook greps for, the
// backlog, unexpected exits, and what the engineer did. Evidence arrives on several paths (the
// journal's NOTIFY, each worker's stdout, the samplers), each a little late in its own way: lines
// wait a moment in a buffer and leave it in time order, so the story reads as it happened.

const NARRATED_LINES = new Set(["leader", "expired-locally", "lease-lost"]);

interface Pending {
  ts: number;
  seq: number;
  text: string;
}

/** Turns evidence into narration lines, printed in time order after a short delay. */
export class Narrator {
  #pending: Pending[] = [];
  #seq = 0;
  #timer: NodeJS.Timeout;
  #lastOf = new Map<string, { holder: string | null; epoch: number }>();
  #backlogPrinted = "";
  #backlogAt = 0;
  #printedUpTo = 0;

  constructor(
    private readonly t0: number,
    private readonly print: (line: string) => void,
    /** how long a line waits for earlier ones that are still on their way */
    private readonly delayMs = 400,
    private readonly backlogEveryMs = 5_000,
  ) {
    this.#timer = setInterval(() => this.#flush(Date.now() - this.delayMs), 100);
    this.#timer.unref();
  }

  /** Adds a line of our own (an injection, a heal) at the moment it is about. */
  say(ts: number, text: string): void {
    this.#pending.push({ ts, seq: this.#seq++, text });
  }

  /** Takes one evidence event; most are not narrated. */
  event(e: EvidenceEvent): void {
    if (e.kind === "lease-change") this.#lease(e);
    else if (e.kind === "worker-log" && e.means && NARRATED_LINES.has(e.means)) {
      const epoch = e.epoch === undefined || e.msg.includes(String(e.epoch)) ? "" : ` (epoch ${e.epoch})`;
      this.say(e.ts, `${e.worker}${e.instance && e.instance > 1 ? `#${e.instance}` : ""}: ${e.msg}${epoch}`);
    } else if (e.kind === "process" && e.event === "exit" && !e.expected)
      this.say(e.ts, `${e.worker}: exited unexpectedly (code ${e.code}, signal ${e.signal})`);
    else if (e.kind === "backlog") {
      const text = Object.entries(e.byLease)
        .map(([lease, n]) => `${lease} ${n}`)
        .join(", ");
      if (text !== this.#backlogPrinted && e.ts - this.#backlogAt >= this.backlogEveryMs) {
        this.#backlogPrinted = text;
        this.#backlogAt = e.ts;
        this.say(e.ts, `backlog: ${text || "nothing queued"}`);
      }
    }
  }

  #lease(c: LeaseChange): void {
    const before = this.#lastOf.get(c.leaseName);
    this.#lastOf.set(c.leaseName, { holder: c.holder, epoch: c.epoch });
    // A renewal (same holder, same term) is the lease working: not news.
    if (before && before.holder === c.holder && before.epoch === c.epoch) return;
    const expires =
      c.expiresAt === null ? "" : `, expires_at ${clock(c.expiresAt, this.t0).slice(1, -1).trim()}`;
    let text: string;
    if (c.op === "SNAPSHOT")
      text = c.holder ? `${c.holder} holds it (epoch ${c.epoch}${expires}), as found` : "no holder, as found";
    else if (c.holder === null)
      text = before?.holder ? `released by ${before.holder} (epoch ${before.epoch})` : "no holder";
    else if (!before?.holder) text = `${c.holder} acquires it, epoch ${c.epoch}${expires}`;
    else if (before.holder !== c.holder)
      text = `${c.holder} takes it over from ${before.holder}, epoch ${c.epoch}${expires}`;
    else text = `${c.holder} holds it again, new term epoch ${c.epoch}${expires}`;
    this.say(c.ts, `lease ${c.leaseName}: ${text}`);
  }

  #flush(upTo: number): void {
    const ready = this.#pending.filter((p) => p.ts <= upTo);
    if (ready.length === 0) return;
    this.#pending = this.#pending.filter((p) => p.ts > upTo);
    ready.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    for (const p of ready) {
      // A line later than the delay still prints, at its own time; the mark says it came late.
      const late = p.ts < this.#printedUpTo - 1 ? " (late)" : "";
      this.#printedUpTo = Math.max(this.#printedUpTo, p.ts);
      this.print(`${clock(p.ts, this.t0)} ${p.text}${late}`);
    }
  }

  /** Prints whatever is still waiting, in order (before a table or at the end). */
  flush(): void {
    this.#flush(Number.POSITIVE_INFINITY);
  }

  close(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}
