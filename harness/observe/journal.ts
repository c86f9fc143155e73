// The harness's own journal in the system's database: a schema of its own (lease_chaos), one table,
// and AFTER triggers that copy each row change of the tables a profile names (the lease table, its
// effects and refusals tables) with the database clock. It only reads what the worker writes; it
// never changes the system under test. Each journal row is announced with NOTIFY, so the harness
// sees evidence within a millisecond or two of its commit.
import type { Profile, ProfileRole } from "../profile/profile.ts";
import type { EffectTableData } from "../profile/schema.ts";
import type { Effect, LeaseChange, RefusedEffect } from "./evidence.ts";

/** The schema the harness's tables and triggers live in. */
export const JOURNAL_SCHEMA = "lease_chaos";
/** The NOTIFY channel announcing new journal rows. */
export const JOURNAL_CHANNEL = "lease_chaos_journal";

const BASE_SQL = `
CREATE SCHEMA IF NOT EXISTS ${JOURNAL_SCHEMA};
CREATE TABLE IF NOT EXISTS ${JOURNAL_SCHEMA}.journal (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  source  text NOT NULL,
  op      text NOT NULL,
  new_row jsonb,
  old_row jsonb
);
CREATE OR REPLACE FUNCTION ${JOURNAL_SCHEMA}.journal_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ${JOURNAL_SCHEMA}.journal (source, op, new_row, old_row)
  VALUES (TG_ARGV[0], TG_OP,
          CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END,
          CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END);
  PERFORM pg_notify('${JOURNAL_CHANNEL}', '');
  RETURN NULL;
END $$;
`;

/** One watched table: which trigger, on which events, journaling under which source name. */
interface Watch {
  trigger: string;
  table: string;
  events: string;
  source: string;
}

/** A profile table's journal source name: `lease`, `effect:<role>:<name>` or `refusal:<role>:<name>`. */
export function sourceOf(kind: "effect" | "refusal", role: ProfileRole, table: EffectTableData): string {
  return `${kind}:${role.name}:${table.name ?? table.table}`;
}

function watches(profile: Profile): Watch[] {
  const list: Watch[] = [
    {
      trigger: "lease_chaos_lease",
      table: profile.data.leaseTable.table,
      events: "INSERT OR UPDATE OR DELETE",
      source: "lease",
    },
  ];
  let n = 0;
  for (const role of profile.roles) {
    for (const [kind, tables] of [
      ["effect", role.work.effects],
      ["refusal", role.work.refusals],
    ] as const) {
      for (const t of tables) {
        n += 1;
        list.push({
          trigger: `lease_chaos_${n}`,
          table: t.table,
          events: t.on === "update" ? "UPDATE" : t.on === "insert-or-update" ? "INSERT OR UPDATE" : "INSERT",
          source: sourceOf(kind, role, t),
        });
      }
    }
  }
  return list;
}

/** Every table the profile's observation needs, for the "does it exist" check before triggers go in. */
export function watchedTables(profile: Profile): { table: string; key: string }[] {
  const out = [{ table: profile.data.leaseTable.table, key: "leaseTable.table" }];
  for (const role of profile.roles) {
    for (const [i, t] of role.work.effects.entries())
      out.push({ table: t.table, key: `roles.${role.name}.work.effects.${i}.table` });
    for (const [i, t] of role.work.refusals.entries())
      out.push({ table: t.table, key: `roles.${role.name}.work.refusals.${i}.table` });
  }
  return out;
}

/** Quotes an SQL identifier, schema-qualified or not: app.job_leases -> "app"."job_leases". */
export const quoteIdent = (name: string): string =>
  name
    .split(".")
    .map((p) => `"${p.replaceAll('"', '""')}"`)
    .join(".");

/** SQL that installs the journal and the profile's triggers (idempotent), then snapshots the lease rows. */
export function installSql(profile: Profile): string {
  const triggers = watches(profile)
    .map(
      (w) =>
        `DROP TRIGGER IF EXISTS ${w.trigger} ON ${quoteIdent(w.table)};
CREATE TRIGGER ${w.trigger} AFTER ${w.events} ON ${quoteIdent(w.table)}
  FOR EACH ROW EXECUTE FUNCTION ${JOURNAL_SCHEMA}.journal_row('${w.source.replaceAll("'", "''")}');`,
    )
    .join("\n");
  const lease = quoteIdent(profile.data.leaseTable.table);
  return `${BASE_SQL}
${triggers}
INSERT INTO ${JOURNAL_SCHEMA}.journal (source, op, new_row) SELECT 'lease', 'SNAPSHOT', to_jsonb(l) FROM ${lease} l;`;
}

/** SQL that removes the profile's triggers again (detaching from a stack the harness did not start). */
export function uninstallSql(profile: Profile): string {
  return watches(profile)
    .map((w) => `DROP TRIGGER IF EXISTS ${w.trigger} ON ${quoteIdent(w.table)};`)
    .join("\n");
}

/** A journal row as read back. */
export interface JournalRow {
  id: number;
  at: number;
  source: string;
  op: string;
  newRow: Record<string, unknown> | null;
  oldRow: Record<string, unknown> | null;
}

const ms = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return v;
  const t = Date.parse(String(v));
  return Number.isFinite(t) ? t : null;
};

// to_jsonb renders timestamptz with microseconds ("2026-12-01T10:00:00.123456+00:00"); keep them.
function timeOf(v: unknown, unit: "timestamptz" | "epoch-ms" | "epoch-s"): number | null {
  if (v === null || v === undefined) return null;
  if (unit === "epoch-ms") return Number(v);
  if (unit === "epoch-s") return Number(v) * 1000;
  const text = String(v);
  const m = /\.(\d+)/.exec(text);
  const base = ms(text.replace(/\.\d+/, ""));
  if (base === null) return null;
  return m ? base + Number(`0.${m[1]}`) * 1000 : base;
}

const num = (v: unknown): number | null => {
  if (v === null || v === undefined || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

/**
 * Turns journal rows into evidence events as the profile maps columns. Lease rows without an epoch
 * column get one synthesized per lease: +1 on every change of holder, as a fencing epoch would.
 */
export class JournalReader {
  readonly #sources = new Map<
    string,
    { kind: "effect" | "refusal"; role: ProfileRole; table: EffectTableData }
  >();
  readonly #synth = new Map<string, { holder: string | null; epoch: number }>();

  constructor(private readonly profile: Profile) {
    for (const role of profile.roles) {
      for (const t of role.work.effects)
        this.#sources.set(sourceOf("effect", role, t), { kind: "effect", role, table: t });
      for (const t of role.work.refusals)
        this.#sources.set(sourceOf("refusal", role, t), { kind: "refusal", role, table: t });
    }
  }

  /** The evidence of one journal row, or null when the row is not one (an update that changed no worker). */
  read(row: JournalRow): LeaseChange | Effect | RefusedEffect | null {
    if (row.source === "lease") return this.#lease(row);
    const src = this.#sources.get(row.source);
    if (!src) return null;
    const { table: t, role } = src;
    const next = row.newRow;
    if (!next) return null;
    if (row.op === "UPDATE") {
      const prev = row.oldRow ?? {};
      const changed =
        next[t.worker] !== prev[t.worker] || (t.epoch !== undefined && next[t.epoch] !== prev[t.epoch]);
      if (!changed) return null;
    }
    const worker = next[t.worker];
    if (worker === null || worker === undefined) return null;
    // A time column is a timestamptz, or a number of epoch ms.
    const raw = t.time ? next[t.time] : null;
    const ts = (typeof raw === "number" ? raw : t.time ? timeOf(raw, "timestamptz") : null) ?? row.at;
    const base = {
      ts,
      type: t.name ?? t.table,
      leaseName: role.lease,
      worker: String(worker),
      epoch: t.epoch === undefined ? null : num(next[t.epoch]),
      itemId: String(next[t.item]),
      journalId: row.id,
    };
    return src.kind === "effect"
      ? { kind: "effect", ...base, ...(t.unique ? { unique: true } : {}) }
      : { kind: "refused-effect", ...base };
  }

  #lease(row: JournalRow): LeaseChange | null {
    const { columns, expiresAtUnit } = this.profile.data.leaseTable;
    const r = row.op === "DELETE" ? row.oldRow : row.newRow;
    if (!r) return null;
    const leaseName = String(r[columns.name]);
    const holderRaw = r[columns.holder];
    const holder =
      holderRaw === null || holderRaw === undefined || holderRaw === "" ? null : String(holderRaw);
    let epoch: number;
    if (columns.epoch !== null) epoch = num(r[columns.epoch]) ?? 0;
    else {
      const prev = this.#synth.get(leaseName) ?? { holder: null, epoch: 0 };
      epoch = holder !== null && holder !== prev.holder ? prev.epoch + 1 : prev.epoch;
      this.#synth.set(leaseName, { holder: row.op === "DELETE" ? null : holder, epoch });
    }
    const time = (c: string | null) => (c === null ? null : timeOf(r[c], expiresAtUnit));
    return {
      kind: "lease-change",
      ts: row.at,
      op: row.op as LeaseChange["op"],
      leaseName,
      holder: row.op === "DELETE" ? null : holder,
      epoch,
      acquiredAt: time(columns.acquiredAt),
      renewedAt: time(columns.renewedAt),
      expiresAt: time(columns.expiresAt),
      journalId: row.id,
    };
  }
}
