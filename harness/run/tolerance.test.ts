import { describe, expect, it } from "vitest";
import { parseProfile } from "../profile/load.ts";
import { timingsFor } from "./timing.ts";
import { tolerableRoundTripMs, workerTimingsOf } from "./tolerance.ts";

const role = (env: Record<string, string>, extra: Record<string, unknown> = {}) =>
  parseProfile(
    {
      roles: {
        w: { local: { command: "x" }, env: { P: "{{pg.port}}", I: "{{workloadId}}", ...env }, ...extra },
      },
    },
    "t.json",
    "/tmp",
  ).roles[0] as NonNullable<ReturnType<typeof parseProfile>["roles"][0]>;

describe("tolerable faults, from the worker's own timings", () => {
  const t = timingsFor(2_000);

  it("a worker told the harness's timings: a quarter of min(ttl - margin - renew, statement timeout)", () => {
    const w = workerTimingsOf(
      role({ R: "{{renewIntervalMs}}", M: "{{safetyMarginMs}}", T: "{{queryTimeoutMs}}" }),
      t,
    );
    expect(w).toEqual({ ttlMs: 2_000, safetyMarginMs: 200, renewIntervalMs: 500, statementTimeoutMs: 1_000 });
    // budget min(2000 - 200 - 500, 1000) = 1000: 250 ms of round trip.
    expect(tolerableRoundTripMs(w).ms).toBe(250);
  });

  it("a worker with timings of its own: what its profile declares; what is not known counts as ttl/2", () => {
    const declared = workerTimingsOf(
      role({}, { renewIntervalMs: 1_000, statementTimeoutMs: 300, safetyMarginMs: 100 }),
      t,
    );
    expect(declared).toEqual({
      ttlMs: 2_000,
      safetyMarginMs: 100,
      renewIntervalMs: 1_000,
      statementTimeoutMs: 300,
    });
    expect(tolerableRoundTripMs(declared).ms).toBe(75);
    const unknown = workerTimingsOf(role({}), t);
    expect(unknown).toEqual({
      ttlMs: 2_000,
      safetyMarginMs: 0,
      renewIntervalMs: null,
      statementTimeoutMs: null,
    });
    expect(tolerableRoundTripMs(unknown)).toMatchObject({ ms: 250 });
    expect(tolerableRoundTripMs(unknown).why).toMatch(/not known: ttl\/2/);
  });
});
