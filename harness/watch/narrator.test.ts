import { afterEach, describe, expect, it, vi } from "vitest";
import type { EvidenceEvent } from "../observe/evidence.ts";
import { Narrator } from "./narrator.ts";

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const lease = (ts: number, holder: string | null, epoch: number): EvidenceEvent => ({
  kind: "lease-change",
  ts: T0 + ts,
  op: "UPDATE",
  leaseName: "outbox-forwarder",
  holder,
  epoch,
  acquiredAt: null,
  renewedAt: null,
  expiresAt: holder ? T0 + ts + 2_000 : null,
});
const line = (
  ts: number,
  worker: string,
  msg: string,
  means: "leader" | "expired-locally",
): EvidenceEvent => ({
  kind: "worker-log",
  ts: T0 + ts,
  receivedAt: T0 + ts,
  worker,
  instance: 1,
  leaseName: "outbox-forwarder",
  msg,
  means,
  level: "info",
  parsed: true,
  line: { msg },
});

describe("the watch's narration", () => {
  afterEach(() => vi.useRealTimers());

  it("prints in time order what arrived out of order, renewals left out", () => {
    vi.useFakeTimers({ now: T0 });
    const out: string[] = [];
    const n = new Narrator(T0, (l) => out.push(l), 400);
    vi.setSystemTime(T0 + 5_000);
    // The journal's row for the takeover arrives after the new leader's own line.
    n.event(line(3_010, "fwd-b", "lease state = LEADER", "leader"));
    n.event(lease(1_000, "fwd-a", 1));
    n.event(lease(2_000, "fwd-a", 1));
    n.event(line(2_950, "fwd-a", "lease expired locally", "expired-locally"));
    n.event(lease(3_000, "fwd-b", 2));
    vi.advanceTimersByTime(200);
    n.close();
    expect(out).toEqual([
      "[  +1.0s] lease outbox-forwarder: fwd-a acquires it, epoch 1, expires_at +3.0s",
      "[  +3.0s] fwd-a: lease expired locally",
      "[  +3.0s] lease outbox-forwarder: fwd-b takes it over from fwd-a, epoch 2, expires_at +5.0s",
      "[  +3.0s] fwd-b: lease state = LEADER",
    ]);
  });

  it("holds lines for the delay, then marks one that comes later than that", () => {
    vi.useFakeTimers({ now: T0 + 10_000 });
    const out: string[] = [];
    const n = new Narrator(T0, (l) => out.push(l), 400);
    n.say(T0 + 9_900, "first");
    vi.advanceTimersByTime(100);
    expect(out).toEqual([]);
    vi.advanceTimersByTime(400);
    expect(out).toEqual(["[  +9.9s] first"]);
    n.say(T0 + 9_000, "straggler");
    n.close();
    expect(out[1]).toBe("[  +9.0s] straggler (late)");
  });
});
