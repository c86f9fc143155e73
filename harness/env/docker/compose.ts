import type Dockerode from "dockerode";
import { UnsupportedCapabilityError, workerEntry } from "../errors.ts";
import type { DbEndpoint, EventSink, StartedEnvironment, WorkerLaunch, WorkerState } from "../provider.ts";
import { ProbeConnection, probe, proxyName, WorkerProxies } from "../worker-proxies.ts";
import { ContainerWorker, sinceNow } from "./container-worker.ts";
import { connectEngine } from "./engine.ts";
import { ComposeStackError } from "./errors.ts";
import { publishedPort } from "./run-container.ts";

const PROJECT_LABEL = "com.docker.compose.project";
const SERVICE_LABEL = "com.docker.compose.service";
// The reference worker's default ttl: what a stack without LEASE_TTL_MS runs with.
const DEFAULT_TTL_MS = "10000";
// Worker variables the run and the stack must agree on, when the stack sets them.
const MUST_MATCH = [
  "LEASE_TTL_MS",
  "LEASE_CHAOS_BUG",
  "ITEM_WORK_MS",
  "BATCH_SIZE",
  "LEASE_SAFETY_MARGIN_MS",
];

/** Options of the compose provider (attach to a running docker-compose.chaos.yml stack). */
export interface ComposeEnvironmentOptions {
  sink: EventSink;
  /** the compose project; LEASE_CHAOS_COMPOSE_PROJECT, or the one running stack found */
  project?: string;
  /** the report on the stack, a line each */
  say?: (line: string) => void;
}

interface StackWorker {
  containerId: string;
  name: string;
  env: Record<string, string>;
  proxyPort: number;
  endpoint: DbEndpoint;
}

const envOf = (info: Dockerode.ContainerInspectInfo): Record<string, string> =>
  Object.fromEntries(
    (info.Config.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );

/**
 * The compose provider: attaches to a running stack (Postgres, Toxiproxy, workers) found by its
 * compose labels, checks and reports on it, and injects faults into it. It neither starts nor stops
 * the stack: a worker is attached (its log followed from now) and detached, never started, killed
 * or restarted by the harness.
 */
export class ComposeEnvironment {
  constructor(private readonly options: ComposeEnvironmentOptions) {}

  async start(): Promise<StartedComposeEnvironment> {
    const t0 = performance.now();
    const say = this.options.say ?? (() => {});
    const docker = await connectEngine();
    const running = await docker.listContainers({ filters: JSON.stringify({ label: [PROJECT_LABEL] }) });
    const projects = new Map<string, Dockerode.ContainerInfo[]>();
    for (const c of running) {
      const p = c.Labels[PROJECT_LABEL] ?? "";
      projects.set(p, [...(projects.get(p) ?? []), c]);
    }
    const isStack = (cs: Dockerode.ContainerInfo[]) =>
      ["postgres", "toxiproxy"].every((s) => cs.some((c) => c.Labels[SERVICE_LABEL] === s));
    const stacks = [...projects].filter(([, cs]) => isStack(cs)).map(([p]) => p);
    const wanted = this.options.project ?? process.env.LEASE_CHAOS_COMPOSE_PROJECT;
    const up = "docker-compose -f docker-compose.chaos.yml up -d";
    if (wanted !== undefined && !stacks.includes(wanted))
      throw new ComposeStackError(
        `no running compose project ${JSON.stringify(wanted)} with postgres and toxiproxy services (running: ${stacks.join(", ") || "none"}); start it: ${up}`,
      );
    if (wanted === undefined && stacks.length !== 1)
      throw new ComposeStackError(
        stacks.length === 0
          ? `no running compose stack with postgres and toxiproxy services; start it: ${up}`
          : `${stacks.length} running stacks (${stacks.join(", ")}): name one with LEASE_CHAOS_COMPOSE_PROJECT`,
      );
    const project = wanted ?? (stacks[0] as string);
    const containers = projects.get(project) ?? [];
    const inspect = (c: Dockerode.ContainerInfo) => docker.getContainer(c.Id).inspect();
    const infos = await Promise.all(containers.map(inspect));
    const service = (s: string) =>
      infos.find((i) => i.Config.Labels?.[SERVICE_LABEL] === s) as Dockerode.ContainerInspectInfo;
    const pgInfo = service("postgres");
    const proxyInfo = service("toxiproxy");
    const published = (info: Dockerode.ContainerInspectInfo, port: number, what: string) => {
      try {
        return publishedPort(info, port);
      } catch (err) {
        throw new ComposeStackError(
          `${what} does not publish port ${port} on the host: the harness needs it`,
          {
            cause: err,
          },
        );
      }
    };
    const pgEnv = envOf(pgInfo);
    const user = pgEnv.POSTGRES_USER || "postgres";
    const observerDb: DbEndpoint = {
      host: "127.0.0.1",
      port: published(pgInfo, 5432, "the postgres service"),
      user,
      password: pgEnv.POSTGRES_PASSWORD ?? "",
      database: pgEnv.POSTGRES_DB || user,
    };
    const url = `http://127.0.0.1:${published(proxyInfo, 8474, "the toxiproxy service")}`;
    const proxies = new WorkerProxies(url, "postgres:5432");
    const version = await proxies.client.getVersion().catch((err: Error) => {
      throw new ComposeStackError(`the stack's Toxiproxy API at ${url} does not answer: ${err.message}`, {
        cause: err,
      });
    });
    // The raw listing: the client's Proxy objects leave out the toxics a fault may have left behind.
    const existing = (await (await fetch(`${url}/proxies`)).json()) as Record<
      string,
      { name: string; listen: string; enabled: boolean; toxics?: { name: string }[] }
    >;
    const problems: string[] = [];
    const workers = new Map<string, StackWorker>();
    for (const info of infos) {
      const env = envOf(info);
      const id = env.WORKLOAD_ID;
      if (!id) continue;
      const name = info.Name.replace(/^\//, "");
      const proxy = existing[proxyName(id)];
      if (!proxy) {
        problems.push(`worker ${id} (${name}) has no proxy ${proxyName(id)} in Toxiproxy`);
        continue;
      }
      const proxyPort = Number(proxy.listen.slice(proxy.listen.lastIndexOf(":") + 1));
      if (String(proxyPort) !== env.PGPORT)
        problems.push(`worker ${id} connects to port ${env.PGPORT}, its proxy listens on ${proxyPort}`);
      if (!proxy.enabled) problems.push(`proxy ${proxy.name} is disabled`);
      if (proxy.toxics?.length)
        problems.push(`proxy ${proxy.name} has toxics left: ${proxy.toxics.map((t) => t.name).join(", ")}`);
      if (info.State.Paused) problems.push(`worker ${id} (${name}) is paused`);
      const port = published(proxyInfo, proxyPort, `the toxiproxy service (proxy ${proxy.name})`);
      workers.set(id, { containerId: info.Id, name, env, proxyPort, endpoint: { ...observerDb, port } });
    }
    say(
      `compose: project ${project}: postgres ${pgInfo.Config.Image} on 127.0.0.1:${observerDb.port} (${user}@${observerDb.database}), toxiproxy ${proxyInfo.Config.Image} ${version} at ${url}`,
    );
    for (const [id, w] of workers)
      say(
        `compose:   worker ${id} = ${w.name} (${w.env.LEASE_NAME ?? w.env.WORKER_ROLE}, ttl ${w.env.LEASE_TTL_MS ?? DEFAULT_TTL_MS} ms) via ${proxyName(id)} :${w.proxyPort} -> 127.0.0.1:${w.endpoint.port}`,
      );
    if (workers.size === 0) problems.push("no worker container (none has WORKLOAD_ID in its environment)");
    if (problems.length > 0)
      throw new ComposeStackError(`the stack ${project} is not ready for a run: ${problems.join("; ")}`);
    return new StartedComposeEnvironment(
      docker,
      project,
      observerDb,
      proxies,
      workers,
      this.options.sink,
      performance.now() - t0,
    );
  }
}

/** An attached compose stack. stop() detaches; the stack keeps running. */
export class StartedComposeEnvironment implements StartedEnvironment {
  readonly provider = "compose";
  readonly #attached = new Map<string, ContainerWorker>();

  constructor(
    private readonly docker: Dockerode,
    readonly project: string,
    readonly observerDb: DbEndpoint,
    readonly proxies: WorkerProxies,
    private readonly stack: Map<string, StackWorker>,
    private readonly sink: EventSink,
    readonly startMs: number,
  ) {}

  /** One line on what the run attached to. */
  describe(): string {
    return `compose project ${this.project} (${this.stack.size} workers: ${[...this.stack.keys()].join(", ")})`;
  }

  #stackWorker(id: string): StackWorker {
    return workerEntry(this.stack, id);
  }

  #worker(id: string): ContainerWorker {
    return workerEntry(this.#attached, id);
  }

  /**
   * Attaches to the stack's worker of that id (it must exist and be configured like the run asks:
   * same lease, ttl, bug) and follows its log from now on.
   */
  async startWorker(launch: WorkerLaunch): Promise<void> {
    const { spec, env } = launch;
    const w = this.stack.get(spec.id);
    if (!w)
      throw new ComposeStackError(
        `the stack has no worker ${spec.id} (WORKLOAD_ID); it runs ${[...this.stack.keys()].join(", ")}`,
      );
    const stackValue = (key: string) =>
      w.env[key] ?? (key === "LEASE_TTL_MS" ? DEFAULT_TTL_MS : key === "LEASE_CHAOS_BUG" ? "" : undefined);
    const wantedEnv: Record<string, string> = {
      ...env,
      LEASE_CHAOS_BUG: spec.bug ?? "",
      LEASE_NAME: spec.leaseName,
    };
    const differ = [...MUST_MATCH, "LEASE_NAME"]
      .filter(
        (k) => stackValue(k) !== undefined && wantedEnv[k] !== undefined && stackValue(k) !== wantedEnv[k],
      )
      .map(
        (k) =>
          `${k} is ${JSON.stringify(stackValue(k))} in the stack, the run wants ${JSON.stringify(wantedEnv[k])}`,
      );
    if (differ.length > 0)
      throw new ComposeStackError(
        `worker ${spec.id} (${w.name}) is not configured as this run needs: ${differ.join("; ")} (e.g. --ttl-ms ${stackValue("LEASE_TTL_MS")}, or restart the stack with LEASE_TTL_MS=...)`,
      );
    const worker = new ContainerWorker(this.docker, w.containerId, spec, this.sink);
    this.#attached.set(spec.id, worker);
    await worker.attach(sinceNow());
  }

  async probeWorkerDb(id: string, timeoutMs: number): Promise<number> {
    return probe(id, this.#stackWorker(id).endpoint, timeoutMs);
  }

  async openWorkerProbe(id: string, timeoutMs: number): Promise<ProbeConnection> {
    return ProbeConnection.open(id, this.#stackWorker(id).endpoint, timeoutMs);
  }

  workerIds(): string[] {
    return [...this.#attached.keys()];
  }

  async workerState(id: string): Promise<WorkerState> {
    return this.#worker(id).state();
  }

  async pauseWorker(id: string): Promise<void> {
    await this.#worker(id).pause();
  }

  async resumeWorker(id: string): Promise<void> {
    await this.#worker(id).resume();
  }

  async killWorker(): Promise<void> {
    throw new UnsupportedCapabilityError(
      "compose",
      "kill a worker of an attached stack (it never stops the stack)",
    );
  }

  async restartWorker(): Promise<void> {
    throw new UnsupportedCapabilityError(
      "compose",
      "restart a worker of an attached stack (it never stops the stack)",
    );
  }

  /** Detaches from the worker (its log is no longer followed); the container keeps running. */
  async stopWorker(id: string): Promise<void> {
    this.#worker(id).detach();
  }

  async stop(): Promise<void> {
    for (const worker of this.#attached.values()) worker.detach();
    this.#attached.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
