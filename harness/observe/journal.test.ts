import { describe, expect, it } from "vitest";
import { parseProfile } from "../profile/load.ts";
import { installSql, JournalReader, type JournalRow } from "./journal.ts";

const profile = parseProfile(
  {
    leaseTable: {
      table: "job_leases",
      columns: {
        name: "name",
        holder: "owner",
        epoch: null,
        expiresAt: "valid_until_ms",
        acquiredAt: null,
        renewedAt: null,
      },
      expiresAtUnit: "epoch-ms",
    },
    roles: {
      jobs: {
        lease: "nightly",
        local: { command: "x" },
        env: { P: "{{pg.port}}", ID: "{{workloadId}}" },
        work: {
          effects: [
            { table: "job_results", item: "job_id", worker: "done_by", epoch: "term", unique: true },
            { name: "mark", table: "pending_jobs", on: "update", item: "job_id", worker: "done_by" },
          ],
          refusals: [{ table: "job_result_refusals", item: "job_id", worker: "attempted_by", epoch: "term" }],
        },
      },
    },
  },
  "test",
  "/tmp",
);
const row = (
  id: number,
  source: string,
  op: string,
  newRow: Record<string, unknown> | null,
  oldRow: Record<string, unknown> | null = null,
): JournalRow => ({
  id,
  at: 1_000 + id,
  source,
  op,
  newRow,
  oldRow,
});

describe("the journal", () => {
  it("installs triggers on every table the profile names, in a schema of its own, and snapshots the lease rows", () => {
    const sql = installSql(profile);
    expect(sql).toContain("CREATE SCHEMA IF NOT EXISTS lease_chaos;");
    expect(sql).toMatch(/CREATE TRIGGER lease_chaos_lease AFTER INSERT OR UPDATE OR DELETE ON "job_leases"/);
    expect(sql).toMatch(/AFTER INSERT ON "job_results"[\s\S]*'effect:jobs:job_results'/);
    expect(sql).toMatch(/AFTER UPDATE ON "pending_jobs"[\s\S]*'effect:jobs:mark'/);
    expect(sql).toMatch(/AFTER INSERT ON "job_result_refusals"[\s\S]*'refusal:jobs:job_result_refusals'/);
    expect(sql).toMatch(/'SNAPSHOT', to_jsonb\(l\) FROM "job_leases" l/);
    expect(sql).not.toMatch(/delivery_sink_fence|UPDATE\s+"?job_leases"?\s+SET/);
  });

  it("maps lease rows by the profile's columns, synthesizing an epoch per change of holder", () => {
    const r = new JournalReader(profile);
    const a = r.read(row(1, "lease", "INSERT", { name: "nightly", owner: "jobs-a", valid_until_ms: 12_000 }));
    const a2 = r.read(
      row(2, "lease", "UPDATE", { name: "nightly", owner: "jobs-a", valid_until_ms: 14_000 }),
    );
    const b = r.read(row(3, "lease", "UPDATE", { name: "nightly", owner: "jobs-b", valid_until_ms: 20_000 }));
    expect(
      [a, a2, b].map((c) => c?.kind === "lease-change" && [c.kind, c.holder, c.epoch, c.expiresAt]),
    ).toEqual([
      ["lease-change", "jobs-a", 1, 12_000],
      ["lease-change", "jobs-a", 1, 14_000],
      ["lease-change", "jobs-b", 2, 20_000],
    ]);
  });

  it("turns effect and refusal rows into evidence, an update only when its worker or epoch changed", () => {
    const r = new JournalReader(profile);
    expect(
      r.read(row(4, "effect:jobs:job_results", "INSERT", { job_id: 7, done_by: "jobs-a", term: "3" })),
    ).toMatchObject({
      kind: "effect",
      type: "job_results",
      leaseName: "nightly",
      worker: "jobs-a",
      epoch: 3,
      itemId: "7",
      unique: true,
      ts: 1_004,
    });
    expect(
      r.read(
        row(5, "effect:jobs:mark", "UPDATE", { job_id: 7, done_by: "jobs-a" }, { job_id: 7, done_by: null }),
      ),
    ).toMatchObject({ type: "mark", epoch: null });
    expect(
      r.read(
        row(
          6,
          "effect:jobs:mark",
          "UPDATE",
          { job_id: 7, done_by: "jobs-a", payload: 2 },
          { job_id: 7, done_by: "jobs-a" },
        ),
      ),
    ).toBeNull();
    expect(
      r.read(
        row(7, "refusal:jobs:job_result_refusals", "INSERT", { job_id: 8, attempted_by: "jobs-b", term: 1 }),
      ),
    ).toMatchObject({ kind: "refused-effect", worker: "jobs-b" });
  });
});
