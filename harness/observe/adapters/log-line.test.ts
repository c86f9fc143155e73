import { describe, expect, it } from "vitest";
import { profileSchema } from "../../profile/schema.ts";
import type { WorkerLog } from "../evidence.ts";
import { itemsOf, lineParser, splitFields } from "./log-line.ts";
import { refusalsOfLine, WHOLE_BATCH } from "./refusal-line.ts";
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
    // stdout is not read as log lines here: kept as output for the report, judged by nothing.
    expect(parse("hello", origin)).toMatchObject({
      kind: "output",
      stream: "stdout",
      text: "hello",
      ts: 1_000,
    });
    expect(parse("   ", origin)).toBeNull();
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

  it("takes a [list] as one value, spaces and all, and stops at the first word that is no pair", () => {
    expect(splitFields("forward_batch done forwarded=[12, 13, 14] epoch=3")).toEqual({
      text: "forward_batch done",
      fields: { forwarded: "[12, 13, 14]", epoch: "3" },
    });
    expect(splitFields("a=1 fenced: epoch 3 is stale term=3")).toEqual({
      text: "a=1 fenced: epoch 3 is stale",
      fields: { term: "3" },
    });
  });

  it("reads a list of items: text, JSON arrays, quoted members; an empty list names none", () => {
    expect(itemsOf("[12,13,14]")).toEqual(["12", "13", "14"]);
    expect(itemsOf('[ "a b", c ]')).toEqual(["a b", "c"]);
    expect(itemsOf([7, "8"])).toEqual(["7", "8"]);
    expect(itemsOf("[]")).toEqual([]);
    expect(itemsOf(42)).toEqual(["42"]);
    expect(itemsOf(null)).toEqual([]);
  });
});

describe("items and refusals from lines", () => {
  const logs = profileSchema.shape.logs.parse({
    format: "text",
    pattern:
      "^(?<time>\\S+) +(?<level>[A-Z]+) +\\w+\\{pod=(?<workloadId>[^ ]+) lease=(?<lease>[^}]+)\\}: (?<message>.*)$",
    fields: { item: "forwarded" },
  });
  const parseAny = lineParser(logs, {
    ...lines,
    batchStarted: "forward_batch begin",
    itemStarted: null,
    refused: { regex: "^forward_batch fenced" },
  });
  const parse = (text: string, o: typeof origin) => parseAny(text, o) as WorkerLog;

  it("a batch line that names a list of items carries each of them", () => {
    const done = parse(
      "2026-12-01T10:00:00.123456Z  INFO forwarder{pod=w-a lease=outbox}: forward_batch done forwarded=[12,13,14] epoch=3",
      origin,
    );
    expect(done).toMatchObject({ msg: "forward_batch done", epoch: 3, items: ["12", "13", "14"] });
    expect(done?.item).toBeUndefined();
  });

  it("a line meaning refused is a refused attempt per item it names, or of the whole batch", () => {
    const line = parse(
      "2026-12-01T10:00:01.000000Z  WARN forwarder{pod=w-a lease=outbox}: forward_batch fenced: epoch 3 is stale epoch=3",
      origin,
    );
    expect(line).toMatchObject({ means: "refused", epoch: 3, leaseName: "outbox" });
    const refusals = refusalsOfLine(line as NonNullable<typeof line>);
    expect(refusals).toEqual([
      expect.objectContaining({
        kind: "refused-effect",
        worker: "w-a",
        epoch: 3,
        itemId: WHOLE_BATCH,
        source: "log",
        ts: line?.ts,
      }),
    ]);
    const named = parse(
      "2026-12-01T10:00:01.000000Z  WARN forwarder{pod=w-a lease=outbox}: forward_batch fenced forwarded=[5,6] epoch=3",
      origin,
    );
    expect(refusalsOfLine(named as NonNullable<typeof named>).map((r) => r.itemId)).toEqual(["5", "6"]);
  });
});
