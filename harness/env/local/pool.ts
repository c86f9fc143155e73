import pg from "pg";
import { JOURNAL_SCHEMA } from "../../observe/journal.ts";
import { Observer } from "../../observe/observer.ts";
import type { Profile } from "../../profile/profile.ts";
import { EnvironmentStartError } from "../errors.ts";
import type { DbEndpoint } from "../provider.ts";
import { recordChild, type StartedPostgres, startPostgres } from "./postgres.ts";
import { type StartedProxyProcess, startProxyProcess } from "./proxy-process.ts";

/** Options of a pool of local environments. */
export interface LocalPoolOptions {
  seed: number;
  /** a running Toxiproxy server instead of our embedded proxy */
  toxiproxyUrl?: string;
  postgresLog?: (line: string) => void;
  /**
   * a pool for one run (a command's own environment): its database is the template itself, made
   * in place with no copy, and no next one is prepared
   */
  single?: boolean;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A profile's template database: its name, and whether it holds the journal (with how many snapshot rows). */
interface Template {
  name: string;
  journal: boolean;
  snapshotRows: number;
}

/** A run's database on the pool's cluster. */
export type PoolDatabase = DbEndpoint & {
  tag: string;
  /** it came with the harness's journal and triggers installed and empty (copied from the template) */
  journalInstalled: boolean;
};

/**
 * One Postgres cluster and one fault proxy serving many runs (a `run --all`, a matrix, a soak):
 * each run gets a fresh database, copied from a template that holds its profile's schema and the
 * harness's journal, and proxies of its own on the shared server, instead of an initdb and a proxy
 * process per run. The next run's database is copied while the current run goes on, and a finished
 * run's database and proxies go while the next one runs: stop() waits for both.
 */
export class LocalPool implements AsyncDisposable {
  readonly #templates = new Map<string, Promise<Template>>();
  readonly #spares = new Map<string, Promise<PoolDatabase>>();
  readonly #retiring = new Set<Promise<void>>();
  #n = 0;
  #stopped = false;

  private constructor(
    readonly postgres: StartedPostgres,
    readonly proxyProcess: StartedProxyProcess | null,
    readonly proxyUrl: string,
    private readonly single: boolean,
  ) {}

  /** Starts the shared cluster and proxy. */
  static async start(options: LocalPoolOptions): Promise<LocalPool> {
    const [postgres, proxy] = await Promise.allSettled([
      startPostgres(options.postgresLog ? { log: options.postgresLog } : {}),
      options.toxiproxyUrl ? Promise.resolve(null) : startProxyProcess(options.seed),
    ]);
    if (postgres.status === "rejected" || proxy.status === "rejected") {
      if (postgres.status === "fulfilled") await postgres.value.stop();
      if (proxy.status === "fulfilled") await proxy.value?.stop();
      throw postgres.status === "rejected" ? postgres.reason : (proxy as PromiseRejectedResult).reason;
    }
    recordChild(postgres.value.root, proxy.value?.pid);
    return new LocalPool(
      postgres.value,
      proxy.value,
      options.toxiproxyUrl ?? proxy.value?.url ?? "",
      options.single === true,
    );
  }

  async #admin<T>(fn: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
    const client = new pg.Client({
      ...this.postgres.endpoint,
      ...(database ? { database } : {}),
      application_name: "lease-chaos/pool",
    });
    client.on("error", () => {});
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  }

  // A profile's template: its schema applied once, and the harness's journal and triggers on its
  // tables, which a run cannot change (a self-migrating worker's template is empty: no tables to
  // put triggers on before its workers make them).
  #template(profile: Profile): Promise<Template> {
    const key = profile.source;
    let made = this.#templates.get(key);
    if (!made) {
      const name = this.single ? "lc_run_1" : `lc_template_${this.#templates.size + 1}`;
      made = (async () => {
        await this.#admin((c) => c.query(`CREATE DATABASE ${quote(name)}`));
        const observer = await Observer.connect({ ...this.postgres.endpoint, database: name }, profile);
        const journal = profile.data.schema.migratesItself === undefined;
        try {
          await observer.applySchema();
          if (journal) await observer.install();
        } finally {
          await observer.close();
        }
        const snapshotRows = journal
          ? await this.#admin(async (c) => {
              const { rows } = await c.query(
                `SELECT count(*)::int AS n FROM ${JOURNAL_SCHEMA}.journal WHERE op = 'SNAPSHOT'`,
              );
              return Number(rows[0]?.n ?? 0);
            }, name)
          : 0;
        return { name, journal, snapshotRows };
      })();
      this.#templates.set(key, made);
    }
    return made;
  }

  async #copy(profile: Profile): Promise<PoolDatabase> {
    const template = await this.#template(profile);
    this.#n += 1;
    const tag = `r${this.#n}`;
    const name = `lc_run_${this.#n}`;
    await this.#admin((c) => c.query(`CREATE DATABASE ${quote(name)} TEMPLATE ${quote(template.name)}`));
    return { ...this.postgres.endpoint, database: name, tag, journalInstalled: template.journal };
  }

  /**
   * A fresh database for one run, with the profile's schema (and the journal, when it says so);
   * drop it with release(). The one after it is copied meanwhile, so a run of a command after the
   * first finds its database made.
   */
  async database(profile: Profile): Promise<PoolDatabase> {
    if (this.#stopped) throw new EnvironmentStartError("the local pool is stopped");
    if (this.single) {
      if (this.#n > 0) throw new EnvironmentStartError("a pool for one run gives one database");
      this.#n = 1;
      const made = await this.#template(profile);
      return { ...this.postgres.endpoint, database: made.name, tag: "r1", journalInstalled: made.journal };
    }
    const spare = this.#spares.get(profile.source);
    this.#spares.delete(profile.source);
    const db = await (spare ?? this.#copy(profile));
    // Lease rows the schema itself writes were journaled as a snapshot when the template was made:
    // the copy's snapshot is dated now, when the run that gets it starts, before any worker does.
    const template = await this.#template(profile);
    if (template.snapshotRows > 0)
      await this.#admin(
        (c) => c.query(`UPDATE ${JOURNAL_SCHEMA}.journal SET at = clock_timestamp() WHERE op = 'SNAPSHOT'`),
        db.database,
      );
    if (!this.#stopped) {
      const next = this.#copy(profile);
      next.catch(() => {});
      this.#spares.set(profile.source, next);
    }
    return db;
  }

  /** Drops a run's database (its connections closed first). */
  async release(db: DbEndpoint): Promise<void> {
    if (this.#stopped) return;
    await this.#admin((c) => c.query(`DROP DATABASE IF EXISTS ${quote(db.database)} WITH (FORCE)`)).catch(
      () => {},
    );
  }

  /**
   * Runs a finished run's cleanup (its proxies, its database) while the next run goes on; stop()
   * waits for it. A cleanup that fails is ignored, as release() ignores a drop that fails.
   */
  retire(cleanup: () => Promise<void>): void {
    const task: Promise<void> = cleanup()
      .catch(() => {})
      .finally(() => this.#retiring.delete(task));
    this.#retiring.add(task);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.allSettled([...this.#retiring, ...this.#spares.values()]);
    await this.proxyProcess?.stop();
    await this.postgres.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
