import { describe, expect, it } from "vitest";
import { profileSchema } from "../../profile/schema.ts";
import { lineParser, splitFields } from "./log-line.ts";
import { parseRfc3339, parseTime } from "./time.ts";

const origin = {
  worker: "w-a",
  instance: 1,
  leaseName: "jobs",
  stream: "stdout" as const,
  receivedAt: 1_000,
};
const lines = profileSchema.shape.lines.parse(undefined);

describe("the log adapter", () => {
  it("reads the reference worker's JSON lines and their meaning", () => {
    const parse = lineParser(
      profileSchema.parse({
        roles: { x: { local: { command: "c" }, env: { a: "{{pg.port}} {{workloadId}}" } } },
      }).logs,
      lines,
    );
    const e = parse(
      '{"ts":1764583200123,"level":"warn","msg":"lease expired locally; skip batch until renewed","workload_id":"w-a","epoch":3}',
      origin,
    );
    expect(e).toMatchObject({
      ts: 1764583200123,
      receivedAt: 1_000,
      level: "warn",
      means: "expired-locally",
      epoch: 3,
      parsed: true,
    });
  });

  it("follows nested field paths, and takes epochs and times given as strings", () => {
    const logs = profileSchema.shape.logs.parse({
      format: "json",
      fields: {
        time: "t",
        message: "fields.message",
        level: "lvl",
        workloadId: "span.pod",
        epoch: "fields.term",
        item: "fields.job",
        lease: null,
      },
    });
    const parse = lineParser(logs, { ...lines, batchStarted: { regex: "^picking" } });
    const e = parse(
      '{"t":"2026-12-01T10:00:00.123456Z","lvl":"INFO","fields":{"message":"picking up batch","term":"7","job":42},"span":{"pod":"w-a"}}',
      origin,
    );
    expect(e).toMatchObject({ means: "batch-started", epoch: 7, item: "42", level: "info" });
    expect(e?.ts).toBeCloseTo(Date.UTC(2026, 11, 1, 10, 0, 0) + 123.456, 3);
  });

  it("reads a text format: a regex with named groups, and key=value fields after the message", () => {
    const logs = profileSchema.shape.logs.parse({
      format: "text",
      pattern: "^(?<time>\\S+) (?<level>[A-Z]+)\\s+jobs\\[(?<workloadId>[^\\]@]+)@[^\\]]*\\] (?<message>.*)$",
      fields: { epoch: "term", item: "job" },
    });
    const parse = lineParser(logs, {
      ...lines,
      leader: { regex: "^now leading" },
      itemStarted: "working on job",
    });
    const leader = parse(
      "2026-12-01T10:14:06.627462Z INFO  jobs[w-a@nightly] now leading term=2 valid_until_ms=17961 via=acquire",
      origin,
    );
    expect(leader).toMatchObject({ means: "leader", epoch: 2, msg: "now leading" });
    const item = parse(
      '2026-12-01T10:13:35.150629Z INFO  jobs[w-a@nightly] working on job term=1 job=17 note="a b"',
      origin,
    );
    expect(item).toMatchObject({ means: "item-started", epoch: 1, item: "17", line: { note: "a b" } });
  });

  it("keeps a line it cannot parse as raw, stamped when it arrived, and honours the stream", () => {
    const parse = lineParser(profileSchema.shape.logs.parse({ format: "json", stream: "stderr" }), lines);
    expect(parse("hello", origin)).toBeNull();
    expect(parse("Traceback (most recent call last):", { ...origin, stream: "stderr" })).toMatchObject({
      parsed: false,
      level: "raw",
      ts: 1_000,
    });
  });

  it("corrects a worker's time for a clock fault on it", () => {
    const parse = lineParser(profileSchema.shape.logs.parse({ format: "json" }), lines);
    const e = parse('{"ts":1764583200000,"msg":"batch started"}', {
      ...origin,
      clockCorrection: (ts) => ts + 2_000,
    });
    expect(e?.ts).toBe(1764583202000);
  });
});

describe("times and fields", () => {
  it("parses RFC 3339 with any precision and zone, and epoch ms or s", () => {
    expect(parseRfc3339("2026-12-01T10:00:00Z")).toBe(Date.UTC(2026, 11, 1, 10));
    expect(parseRfc3339("2026-12-01T12:00:00.5+02:00")).toBe(Date.UTC(2026, 11, 1, 10) + 500);
    expect(parseRfc3339("2026-12-01 10:00:00.000000001")).toBeCloseTo(Date.UTC(2026, 11, 1, 10), 3);
    expect(parseTime("1764583200123", "auto")).toBe(1764583200123);
    expect(parseTime(1764583200.5, "auto")).toBe(1764583200500);
    expect(parseTime("nope", "auto")).toBeNaN();
  });

  it("splits trailing key=value pairs, quoted or bare, off the message", () => {
    expect(splitFields('lease lost term=3 reason="no row" x=')).toEqual({
      text: "lease lost",
      fields: { term: "3", reason: "no row", x: "" },
    });
    expect(splitFields("plain message")).toEqual({ text: "plain message", fields: {} });
  });
});
