import fs from "node:fs";
import pg from "pg";
import type { DbEndpoint } from "../env/provider.ts";
import { LeaseChaosError } from "../errors.ts";
import { type Profile, profilePath } from "../profile/profile.ts";
import type { BacklogSample, Effect, LeaseChange, RefusedEffect } from "./evidence.ts";
import {
  installSql,
  JOURNAL_CHANNEL,
  JOURNAL_SCHEMA,
  JournalReader,
  type JournalRow,
  uninstallSql,
  watchedTables,
} from "./journal.ts";

/** SQL of the profile that failed: the statement, where it came from and Postgres's message. Exit 2. */
export class ProfileSqlError extends LeaseChaosError {
  constructor(where: string, sql: string, cause: unknown) {
    const text = sql.length > 300 ? `${sql.slice(0, 297)}...` : sql;
    super("E_PROFILE_SQL", `${where} failed: ${(cause as Error).message}\n  statement: ${text.trim()}`, {
      cause,
    });
  }
}

/** The rows of a statement the observer ran. */
export interface QueryRows {
  rows: Record<string, unknown>[];
  rowCount: number | null;
}

/** The lease row as the runbook's psql query shows it. */
export interface LeaseRow {
  leaseName: string;
  holder: string | null;
  epoch: number;
  expiresAt: number | null;
  alreadyExpired: boolean;
}

type DbEvent = LeaseChange | Effect | RefusedEffect;

// A journal id not seen after this long belongs to a transaction that rolled back.
const GAP_GIVE_UP_MS = 3_000;

/**
 * The harness's own direct connections to Postgres (never behind a fault proxy): one applies the
 * schema, samples the backlog, enqueues work and reads the lease row; another LISTENs for the
 * journal and hands every new lease change, effect and refusal to `onEvent` as it commits.
 */
export class Observer {
  readonly #reader: JournalReader;
  #listener: pg.Client | null = null;
  #onEvent: (e: DbEvent) => void = () => {};
  #seen = new Set<number>();
  /** every id at or below this is seen (or given up) */
  #floor = 0;
  #maxSeen = 0;
  #gapsSince = new Map<number, number>();
  #fetching: Promise<void> | null = null;
  #again = false;
  #installed = false;

  private constructor(
    private readonly client: pg.Client,
    private readonly db: DbEndpoint,
    readonly profile: Profile,
  ) {
    this.#reader = new JournalReader(profile);
  }

  /** Connects to the endpoint directly. */
  static async connect(db: DbEndpoint, profile: Profile): Promise<Observer> {
    const client = new pg.Client({ ...db, application_name: "lease-chaos/observer" });
    client.on("error", () => {});
    await client.connect();
    return new Observer(client, db, profile);
  }

  #queue: Promise<unknown> = Promise.resolve();

  // One statement at a time on the harness's client: the samplers, the workload and the steps all
  // use it, and pg wants a client's queries awaited one after another.
  #query(sql: string, values?: unknown[]): Promise<pg.QueryResult> {
    const run = () => this.client.query(sql, values);
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => {});
    return result;
  }

  async #exec(where: string, sql: string, values?: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.#query(sql, values);
    } catch (err) {
      throw new ProfileSqlError(where, sql, err);
    }
  }

  async #tableExists(table: string): Promise<boolean> {
    const { rows } = await this.#query("SELECT to_regclass($1) IS NOT NULL AS ok", [table]);
    return rows[0]?.ok === true;
  }

  /**
   * Applies the profile's SQL files unless its lease table exists already (an attached stack), or
   * waits for a self-migrating worker's tables. Returns what it did, for the narration.
   */
  async applySchema(): Promise<string> {
    const { schema, leaseTable } = this.profile.data;
    if (schema.migratesItself) return "the worker migrates itself";
    if (await this.#tableExists(leaseTable.table)) return `schema present (${leaseTable.table} exists)`;
    for (const file of schema.files) {
      const abs = profilePath(this.profile, file);
      let sql: string;
      try {
        sql = fs.readFileSync(abs, "utf8");
      } catch (err) {
        throw new ProfileSqlError(`schema.files: ${file} (${abs})`, "(unreadable)", err);
      }
      await this.#exec(`schema.files: ${file}`, sql);
    }
    return `schema applied (${schema.files.join(", ") || "no files"})`;
  }

  /** Waits until every table the worker migrates itself exists (migratesItself.waitForTables). */
  async waitForTables(signal?: AbortSignal): Promise<void> {
    const m = this.profile.data.schema.migratesItself;
    if (!m) return;
    const deadline = Date.now() + m.timeoutMs;
    for (;;) {
      const missing: string[] = [];
      for (const t of [...m.waitForTables, ...watchedTables(this.profile).map((w) => w.table)])
        if (!(await this.#tableExists(t))) missing.push(t);
      if (missing.length === 0) return;
      if (Date.now() >= deadline || signal?.aborted)
        throw new LeaseChaosError(
          "E_PROFILE_SQL",
          `schema.migratesItself: table(s) ${missing.join(", ")} did not appear within ${m.timeoutMs} ms of the workers' start`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * Installs the journal and its triggers on the profile's tables (each must exist: a profile's
   * tables are never assumed) and starts listening. Call after the schema is there. With
   * `installed`, the database came with an empty journal and its triggers (copied from a template
   * that had them): nothing is installed, and the journal is read from its first row, so rows the
   * workers wrote while the observer connected are evidence too.
   */
  async observe(onEvent: (e: DbEvent) => void, options: { installed?: boolean } = {}): Promise<void> {
    if (!options.installed) await this.install();
    this.#onEvent = onEvent;
    const listener = new pg.Client({ ...this.db, application_name: "lease-chaos/journal" });
    listener.on("error", () => {});
    await listener.connect();
    listener.on("notification", () => this.#fetch());
    await listener.query(`LISTEN ${JOURNAL_CHANNEL}`);
    this.#listener = listener;
    await this.#fetch();
  }

  /** Installs the journal and its triggers (observe() does, unless they came installed). */
  async install(): Promise<void> {
    for (const { table, key } of watchedTables(this.profile))
      if (!(await this.#tableExists(table)))
        throw new LeaseChaosError(
          "E_PROFILE_SQL",
          `${key}: table ${table} does not exist in ${this.db.database} after the schema was applied`,
        );
    // A stack attached to again keeps the journal of earlier attachments (only the triggers go at
    // detach): this run's evidence starts after them, with the snapshot the install writes.
    if (await this.#tableExists(`${JOURNAL_SCHEMA}.journal`)) {
      const { rows } = await this.#query(
        `SELECT coalesce(max(id), 0)::bigint AS top FROM ${JOURNAL_SCHEMA}.journal`,
      );
      this.#floor = this.#maxSeen = Number(rows[0]?.top ?? 0);
    }
    await this.#exec("installing the harness's journal triggers", installSql(this.profile));
    this.#installed = true;
  }

  // One fetch at a time; a notification during one schedules exactly one more.
  #fetch(): Promise<void> {
    if (this.#fetching) {
      this.#again = true;
      return this.#fetching;
    }
    this.#fetching = (async () => {
      do {
        this.#again = false;
        await this.#fetchOnce().catch(() => {});
      } while (this.#again);
    })().finally(() => {
      this.#fetching = null;
    });
    return this.#fetching;
  }

  async #fetchOnce(): Promise<void> {
    const listener = this.#listener;
    const query = (sql: string, values: unknown[]) =>
      listener ? listener.query(sql, values) : this.#query(sql, values);
    const { rows } = await query(
      `SELECT id, (extract(epoch FROM at) * 1000)::float8 AS at, source, op, new_row, old_row
       FROM ${JOURNAL_SCHEMA}.journal WHERE id > $1 ORDER BY id`,
      [this.#floor],
    );
    const now = Date.now();
    for (const r of rows) {
      const id = Number(r.id);
      if (this.#seen.has(id)) continue;
      this.#seen.add(id);
      const row: JournalRow = {
        id,
        at: Number(r.at),
        source: r.source,
        op: r.op,
        newRow: r.new_row,
        oldRow: r.old_row,
      };
      const event = this.#reader.read(row);
      if (event) this.#onEvent(event);
    }
    // Ids are handed out at insert and become visible at commit, so a gap may still fill in.
    for (const r of rows) this.#maxSeen = Math.max(this.#maxSeen, Number(r.id));
    while (this.#floor < this.#maxSeen) {
      const next = this.#floor + 1;
      if (this.#seen.delete(next)) {
        this.#gapsSince.delete(next);
        this.#floor = next;
        continue;
      }
      const since = this.#gapsSince.get(next) ?? now;
      this.#gapsSince.set(next, since);
      if (now - since < GAP_GIVE_UP_MS) break;
      this.#gapsSince.delete(next);
      this.#floor = next;
    }
  }

  /** Reads whatever the journal holds that was not handed out yet (the end of a run). */
  async flush(): Promise<void> {
    await this.#fetch();
    this.#again = true;
    await this.#fetch();
  }

  /** SELECT lease_name, holder, epoch, expires_at, expires_at < clock_timestamp() for one lease. */
  async leaseRow(leaseName: string): Promise<LeaseRow | null> {
    const { table, columns, expiresAtUnit } = this.profile.data.leaseTable;
    const q = (c: string) => `"${c.replaceAll('"', '""')}"`;
    const expires =
      expiresAtUnit === "timestamptz"
        ? `(extract(epoch FROM ${q(columns.expiresAt)}) * 1000)::float8`
        : expiresAtUnit === "epoch-s"
          ? `(${q(columns.expiresAt)} * 1000)::float8`
          : `${q(columns.expiresAt)}::float8`;
    const { rows } = await this.#exec(
      "reading the lease row",
      `SELECT ${q(columns.holder)} AS holder, ${columns.epoch ? `${q(columns.epoch)}::text` : "NULL"} AS epoch,
         ${expires} AS expires, (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now
       FROM ${table} WHERE ${q(columns.name)} = $1`,
      [leaseName],
    );
    const r = rows[0];
    if (!r) return null;
    const expiresAt = r.expires === null ? null : Number(r.expires);
    return {
      leaseName,
      holder: r.holder === null ? null : String(r.holder),
      epoch: r.epoch === null ? 0 : Number(r.epoch),
      expiresAt,
      alreadyExpired: expiresAt !== null && expiresAt < Number(r.now),
    };
  }

  /** The runbook's symptom per lease: each role's backlog query, in one statement on the database clock. */
  async sampleBacklog(): Promise<BacklogSample> {
    const roles = this.profile.roles.filter((r) => r.work.backlog);
    const parts = roles.map((r, i) => `(${(r.work.backlog as string).trim().replace(/;$/, "")}) AS b${i}`);
    const sql = `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ts${parts.map((p) => `, ${p}`).join("")}`;
    const { rows } = await this.#exec("roles.*.work.backlog", sql);
    const r = rows[0];
    const byLease: Record<string, number> = {};
    roles.forEach((role, i) => {
      byLease[role.lease] = (byLease[role.lease] ?? 0) + Number(r[`b${i}`]);
    });
    return { kind: "backlog", ts: Number(r.ts), byLease };
  }

  /** Adds `count` work items for a role through its enqueue query. */
  async enqueue(roleName: string, count: number): Promise<void> {
    const role = this.profile.roles.find((r) => r.name === roleName);
    if (!role?.work.enqueue || count <= 0) return;
    await this.#exec(`roles.${roleName}.work.enqueue`, role.work.enqueue, [count]);
  }

  /**
   * Runs one statement of the harness's own (the activity samples). Its rows come back in a shape
   * of ours, not pg's: the package's published types must not need `@types/pg` in a consumer.
   */
  async query(sql: string, values?: unknown[]): Promise<QueryRows> {
    const { rows, rowCount } = await this.#query(sql, values);
    return { rows, rowCount };
  }

  /** Stops listening; with `uninstall`, removes the triggers (a stack the harness only attached to). */
  async close(options: { uninstall?: boolean } = {}): Promise<void> {
    const listener = this.#listener;
    this.#listener = null;
    await listener?.end().catch(() => {});
    if (options.uninstall && this.#installed) await this.#query(uninstallSql(this.profile)).catch(() => {});
    await this.client.end().catch(() => {});
  }
}
