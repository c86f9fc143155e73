import { describe, expect, it } from "vitest";
import type { ProfileRole } from "../profile/profile.ts";
import { sessionsOfWorker, type WorkerSession, waitsOn, writesTable } from "./database.ts";
import { effectLocks } from "./work-row-lock.ts";

const session = (pid: number, applicationName: string, blockedBy: number[] = []): WorkerSession => ({
  pid,
  applicationName,
  state: "active",
  waitEventType: blockedBy.length ? "Lock" : null,
  waitEvent: null,
  query: "",
  queryStart: null,
  blockedBy,
});

describe("database fault helpers", () => {
  it("writesTable: a renew, an acquire, a release write the lease table; a fence that reads it does not", () => {
    const t = "coordination_leases";
    expect(writesTable("UPDATE coordination_leases SET expires_at = now() WHERE lease_name = $1", t)).toBe(
      true,
    );
    expect(
      writesTable("WITH taken AS (\n  INSERT INTO coordination_leases AS l (lease_name) VALUES ($1)", t),
    ).toBe(true);
    expect(writesTable('delete from public."coordination_leases" where true', t)).toBe(true);
    expect(
      writesTable(
        "UPDATE audit_outbox SET pending_forward = FALSE WHERE EXISTS (SELECT 1 FROM coordination_leases)",
        t,
      ),
    ).toBe(false);
    expect(writesTable("SELECT forward_event($1, $2, $3, $4) AS outcome", t)).toBe(false);
    // Another table whose name starts the same is not it; a schema-qualified profile name must match its schema.
    expect(writesTable("UPDATE coordination_leases_archive SET x = 1", t)).toBe(false);
    expect(writesTable("UPDATE app.job_leases SET term = term + 1", "app.job_leases")).toBe(true);
    expect(writesTable("UPDATE other.job_leases SET term = term + 1", "app.job_leases")).toBe(false);
  });

  it("sessionsOfWorker: by PGAPPNAME or a name carrying the workload id; a second process's key finds its id's", () => {
    const all = [
      session(1, "lease-chaos:fwd-a"),
      session(2, "fwd-a/lease"),
      session(3, "fwd-ab/work"),
      session(4, "lease-chaos/fault"),
    ];
    expect(sessionsOfWorker(all, "fwd-a").map((s) => s.pid)).toEqual([1, 2]);
    expect(sessionsOfWorker(all, "fwd-a.2").map((s) => s.pid)).toEqual([1, 2]);
  });

  it("waitsOn: directly behind the holder, or queued behind a waiter that is", () => {
    const all = [session(10, "a"), session(11, "b", [10]), session(12, "c", [11]), session(13, "d", [99])];
    expect(waitsOn(all[1] as WorkerSession, 10, all)).toBe(true);
    expect(waitsOn(all[2] as WorkerSession, 10, all)).toBe(true);
    expect(waitsOn(all[3] as WorkerSession, 10, all)).toBe(false);
  });

  it("effectLocks: inserted effects lock the table, updated ones the rows; one table is locked once, whole if any insert", () => {
    const role = {
      work: {
        effects: [
          { table: "delivery_sink", on: "insert" },
          { table: "audit_outbox", on: "update" },
          { table: "audit_outbox", on: "insert-or-update" },
          { table: "ledger", on: "update" },
          { table: "ledger", on: "insert" },
        ],
      },
    } as unknown as ProfileRole;
    expect(effectLocks(role)).toEqual([
      { table: "delivery_sink", how: "table" },
      { table: "audit_outbox", how: "rows" },
      { table: "ledger", how: "table" },
    ]);
    expect(effectLocks(role, ["audit_outbox"])).toEqual([{ table: "audit_outbox", how: "rows" }]);
  });
});
