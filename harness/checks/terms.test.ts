import { describe, expect, it } from "vitest";
import { knownExpiresAt, termOf, termOwnEnd, termsByLease, termsOf, withinTerm } from "./terms.ts";
import { at, history, pauseDrill } from "./testing.ts";

describe("terms", () => {
  it("derives one term per holder + epoch with its grants, from the pause drill", () => {
    const terms = termsOf(pauseDrill().build());
    expect(terms.map((t) => [t.holder, t.epoch, t.endReason])).toEqual([
      ["fwd-a", 1, "expired"],
      ["fwd-b", 2, "open"],
    ]);
    const a = terms[0];
    expect(a?.start).toBe(at(0));
    expect(a?.grants.map((g) => g.at)).toEqual([at(0), at(3_000), at(6_000)]);
    expect(a?.expiresAt).toBe(at(16_000));
    expect(a?.end).toBe(at(16_000));
  });

  it("knownExpiresAt is the database's view at that moment", () => {
    const [a] = termsOf(pauseDrill().build());
    if (!a) throw new Error("no term");
    expect(knownExpiresAt(a, at(-1))).toBeNull();
    expect(knownExpiresAt(a, at(2_999))).toBe(at(10_000));
    expect(knownExpiresAt(a, at(3_000))).toBe(at(13_000));
    expect(knownExpiresAt(a, at(30_000))).toBe(at(16_000));
  });

  it("a takeover before expiresAt ends the term at the takeover (overlap)", () => {
    const terms = termsOf(history().acquire("fwd-a", 1, 0).acquire("fwd-b", 2, 4_000).build());
    expect(terms[0]).toMatchObject({ endReason: "taken-over", end: at(4_000), expiresAt: at(10_000) });
    expect(termOwnEnd(terms[0] as never)).toBe(at(10_000));
  });

  it("a takeover exactly at or after expiresAt is an expiry", () => {
    const terms = termsOf(history().acquire("fwd-a", 1, 0).acquire("fwd-b", 2, 10_000).build());
    expect(terms[0]).toMatchObject({ endReason: "expired", end: at(10_000) });
  });

  it("a release ends the term at the release, and a re-acquire is a new term", () => {
    const terms = termsOf(
      history().acquire("fwd-a", 1, 0).release("fwd-a", 1, 2_000).acquire("fwd-a", 2, 2_500).build(),
    );
    expect(terms.map((t) => [t.epoch, t.endReason, t.end - at(0)])).toEqual([
      [1, "released", 2_000],
      [2, "expired", 12_500],
    ]);
  });

  it("an update that sets expires_at in the past counts as a release", () => {
    const e = history().acquire("fwd-a", 1, 0).acquire("fwd-a", 1, 3_000, -1).build();
    expect(termsOf(e)[0]).toMatchObject({ endReason: "released", end: at(3_000), grants: [{ at: at(0) }] });
  });

  it("keeps leases apart and finds a term by holder + epoch", () => {
    const e = history().acquire("fwd-a", 1, 0).acquire("sw-a", 1, 100, 10_000, "ttl-sweeper").build();
    const terms = termsOf(e);
    expect([...termsByLease(terms).keys()].sort()).toEqual(["outbox-forwarder", "ttl-sweeper"]);
    expect(termOf(terms, "ttl-sweeper", "sw-a", 1)?.start).toBe(at(100));
    expect(termOf(terms, "outbox-forwarder", "fwd-a", 2)).toBeUndefined();
  });

  it("withinTerm: start inclusive, end and known expiry exclusive", () => {
    const [a] = termsOf(history().acquire("fwd-a", 1, 0).build());
    if (!a) throw new Error("no term");
    expect(withinTerm(a, at(0))).toBe(true);
    expect(withinTerm(a, at(9_999))).toBe(true);
    expect(withinTerm(a, at(10_000))).toBe(false);
    expect(withinTerm(a, at(-1))).toBe(false);
  });

  it("a late renewal after expiry leaves a gap that withinTerm rejects", () => {
    const [a] = termsOf(history().acquire("fwd-a", 1, 0).renew("fwd-a", 1, 12_000).build());
    if (!a) throw new Error("no term");
    expect(withinTerm(a, at(11_000))).toBe(false);
    expect(withinTerm(a, at(13_000))).toBe(true);
  });
});
