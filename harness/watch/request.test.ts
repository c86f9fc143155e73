import { describe, expect, it } from "vitest";
import { checkRequest, describeRequest, injectArgs, parseDuration } from "./request.ts";

describe("inject requests", () => {
  it("give back the inject arguments that make them again (a watch's reproduce line)", () => {
    for (const args of [
      "latency --target leader --latency-ms 1500 --for 20s",
      "latency --target fwd-a --latency-ms 900 --jitter-ms 100 --direction downstream --for 1500ms --tolerable",
      "pause --target leader:ttl-sweeper",
      "outage --for 3s",
      "clock-step --target leader --offset-ms -2000",
      "clock-rate --target fwd-b --rate 0.95",
      "stop --target leader --grace-ms 500",
    ]) {
      const [kind, ...rest] = args.split(" ");
      const raw: Record<string, unknown> = { kind };
      const key: Record<string, string> = {
        "--target": "target",
        "--latency-ms": "latencyMs",
        "--jitter-ms": "jitterMs",
        "--direction": "direction",
        "--offset-ms": "offsetMs",
        "--rate": "rate",
        "--grace-ms": "graceMs",
        "--for": "forMs",
      };
      for (let i = 0; i < rest.length; i++) {
        const flag = rest[i] as string;
        if (flag === "--tolerable") raw.tolerable = true;
        else {
          const value = rest[++i] as string;
          raw[key[flag] as string] =
            flag === "--target" || flag === "--direction"
              ? value
              : flag === "--for"
                ? parseDuration("--for", value)
                : Number(value);
        }
      }
      expect(injectArgs(checkRequest(raw))).toBe(args);
    }
  });

  it("fills in defaults and describes themselves", () => {
    const r = checkRequest({ kind: "latency", target: "leader", forMs: 20_000 });
    expect(r).toEqual({
      kind: "latency",
      target: "leader",
      latencyMs: 1_500,
      jitterMs: 0,
      direction: "both",
      forMs: 20_000,
    });
    expect(describeRequest(r)).toBe("latency 1500 ms (each way) on leader for 20 s");
    expect(describeRequest(checkRequest({ kind: "outage" }))).toBe("outage on every worker");
  });

  it("name the option and the value they refuse", () => {
    expect(() => checkRequest({ kind: "latncy", target: "a" })).toThrow(
      /unknown fault kind "latncy"; kinds: pause/,
    );
    expect(() => checkRequest({ kind: "pause", target: "a", latencyMs: 5 })).toThrow(
      "--latency-ms does not apply to pause (pause takes --target, --for)",
    );
    expect(() => checkRequest({ kind: "latency" })).toThrow(
      "latency needs --target WORKER, leader or leader:LEASE",
    );
    expect(() => checkRequest({ kind: "latency", target: "a", latencyMs: 0 })).toThrow(
      "--latency-ms 0 is out of range: give a whole number from 1 to 600000",
    );
    expect(() => checkRequest({ kind: "latency", target: "a", latencyMs: 100, jitterMs: 200 })).toThrow(
      "--jitter-ms 200 is larger than --latency-ms 100",
    );
    expect(() => checkRequest({ kind: "blackhole", target: "a", direction: "sideways" })).toThrow(
      '--direction "sideways": give both, downstream, upstream',
    );
    expect(() => checkRequest({ kind: "outage", target: "a" })).toThrow(/--target does not apply/);
    expect(() => checkRequest({ kind: "restart", target: "a", forMs: 1_000 })).toThrow(
      "--for does not apply to restart: there is nothing to heal",
    );
    expect(() => checkRequest({ kind: "clock-step", target: "a" })).toThrow(/needs --offset-ms/);
    expect(() => checkRequest({ kind: "clock-rate", target: "a", rate: 1 })).toThrow(
      /--rate 1: give a rate from 0.1 to 10/,
    );
  });

  it("read durations with their units", () => {
    expect(parseDuration("--for", "20s")).toBe(20_000);
    expect(parseDuration("--for", "1500ms")).toBe(1_500);
    expect(parseDuration("--for", "1m30s")).toBe(90_000);
    expect(parseDuration("--for", "0.5s")).toBe(500);
    expect(() => parseDuration("--for", "20")).toThrow(
      '--for "20" is not a duration; give a number with a unit',
    );
    expect(() => parseDuration("--for", "20 s")).toThrow(/is not a duration/);
    expect(() => parseDuration("--for", "10ms")).toThrow("--for 10ms is out of range: give 100ms to 24h");
  });
});
