import pg from "pg";
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
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * One Postgres cluster and one fault proxy serving many runs (a `run --all`, a matrix, a soak):
 * each run gets a fresh database, copied from a template that holds its profile's schema, and
 * proxies of its own on the shared server, instead of an initdb and a proxy process per run.
 */
export class LocalPool implements AsyncDisposable {
  readonly #templates = new Map<string, Promise<string>>();
  #n = 0;
  #stopped = false;

  private constructor(
    readonly postgres: StartedPostgres,
    readonly proxyProcess: StartedProxyProcess | null,
    readonly proxyUrl: string,
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
    return new LocalPool(postgres.value, proxy.value, options.toxiproxyUrl ?? proxy.value?.url ?? "");
  }

  async #admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ ...this.postgres.endpoint, application_name: "lease-chaos/pool" });
    client.on("error", () => {});
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  }

  // A profile's template: its schema applied once (a self-migrating worker's is empty).
  #template(profile: Profile): Promise<string> {
    const key = profile.source;
    let made = this.#templates.get(key);
    if (!made) {
      const name = `lc_template_${this.#templates.size + 1}`;
      made = (async () => {
        await this.#admin((c) => c.query(`CREATE DATABASE ${quote(name)}`));
        const observer = await Observer.connect({ ...this.postgres.endpoint, database: name }, profile);
        try {
          await observer.applySchema();
        } finally {
          await observer.close();
        }
        return name;
      })();
      this.#templates.set(key, made);
    }
    return made;
  }

  /** A fresh database for one run, with the profile's schema; drop it with release(). */
  async database(profile: Profile): Promise<DbEndpoint & { tag: string }> {
    if (this.#stopped) throw new EnvironmentStartError("the local pool is stopped");
    const template = await this.#template(profile);
    this.#n += 1;
    const tag = `r${this.#n}`;
    const name = `lc_run_${this.#n}`;
    await this.#admin((c) => c.query(`CREATE DATABASE ${quote(name)} TEMPLATE ${quote(template)}`));
    return { ...this.postgres.endpoint, database: name, tag };
  }

  /** Drops a run's database (its connections closed first). */
  async release(db: DbEndpoint): Promise<void> {
    if (this.#stopped) return;
    await this.#admin((c) => c.query(`DROP DATABASE IF EXISTS ${quote(db.database)} WITH (FORCE)`)).catch(
      () => {},
    );
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.proxyProcess?.stop();
    await this.postgres.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
