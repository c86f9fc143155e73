import type Dockerode from "dockerode";
import type { Profile } from "../../profile/profile.ts";
import { render, TIMING_NAMES } from "../../profile/template.ts";
import { UnsupportedCapabilityError, workerEntry } from "../errors.ts";
import type {
  ClockSetting,
  DbEndpoint,
  EventSink,
  StartedEnvironment,
  WorkerLaunch,
  WorkerState,
} from "../provider.ts";
import { ProbeConnection, probe, proxyName, WorkerProxies } from "../worker-proxies.ts";
import { ContainerWorker, sinceNow } from "./container-worker.ts";
import { connectEngine } from "./engine.ts";
import { ComposeStackError } from "./errors.ts";
import { publishedPort } from "./run-container.ts";

const PROJECT_LABEL = "com.docker.compose.project";
const SERVICE_LABEL = "com.docker.compose.service";
// Template values of the run the stack must agree with wherever a worker's env is made of them.
const RUN_VALUES = new Set<string>([...TIMING_NAMES, "bug", "leaseName"]);

/** Options of the compose provider (attach to a running docker-compose.chaos.yml stack). */
export interface ComposeEnvironmentOptions {
  sink: EventSink;
  /** the profile whose roles name the stack's services (compose.services) */
  profile: Profile;
  /** the compose project; LEASE_CHAOS_COMPOSE_PROJECT, or the one running stack found */
  project?: string;
  /** the report on the stack, a line each */
  say?: (line: string) => void;
}

interface StackWorker {
  containerId: string;
  name: string;
  service: string;
  env: Record<string, string>;
  proxyPort: number;
  endpoint: DbEndpoint;
}

/** The env key a role binds to exactly `{{name}}`, e.g. WORKLOAD_ID for {{workloadId}}. */
function keyOf(env: Record<string, string>, name: string): string | undefined {
  const re = new RegExp(`^\\{\\{\\s*${name.replace(".", "\\.")}\\s*\\}\\}$`);
  return Object.entries(env).find(([, v]) => re.test(v))?.[0];
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
    const { profile } = this.options;
    for (const role of profile.roles) {
      const services = role.compose?.services ?? [];
      if (services.length === 0) {
        problems.push(
          `roles.${role.name}.compose.services is not set: the profile names no service for this role`,
        );
        continue;
      }
      const idKey = keyOf({ ...role.env, ...(role.docker?.env ?? {}) }, "workloadId");
      const portKey = keyOf({ ...role.env, ...(role.docker?.env ?? {}) }, "pg.port");
      for (const service of services) {
        const info = infos.find((i) => i.Config.Labels?.[SERVICE_LABEL] === service);
        if (!info) {
          problems.push(
            `service ${service} (roles.${role.name}.compose.services) is not running in ${project}`,
          );
          continue;
        }
        const env = envOf(info);
        const name = info.Name.replace(/^\//, "");
        const id = idKey ? env[idKey] : undefined;
        if (!id) {
          problems.push(`service ${service}: its env has no ${idKey ?? "variable bound to {{workloadId}}"}`);
          continue;
        }
        const proxy = existing[proxyName(id)];
        if (!proxy) {
          problems.push(`worker ${id} (${name}) has no proxy ${proxyName(id)} in Toxiproxy`);
          continue;
        }
        const proxyPort = Number(proxy.listen.slice(proxy.listen.lastIndexOf(":") + 1));
        if (portKey && String(proxyPort) !== env[portKey])
          problems.push(`worker ${id} connects to port ${env[portKey]}, its proxy listens on ${proxyPort}`);
        if (!proxy.enabled) problems.push(`proxy ${proxy.name} is disabled`);
        if (proxy.toxics?.length)
          problems.push(`proxy ${proxy.name} has toxics left: ${proxy.toxics.map((t) => t.name).join(", ")}`);
        if (info.State.Paused) problems.push(`worker ${id} (${name}) is paused`);
        const port = published(proxyInfo, proxyPort, `the toxiproxy service (proxy ${proxy.name})`);
        workers.set(id, {
          containerId: info.Id,
          name,
          service,
          env,
          proxyPort,
          endpoint: { ...observerDb, port },
        });
      }
    }
    say(
      `compose: project ${project}: postgres ${pgInfo.Config.Image} on 127.0.0.1:${observerDb.port} (${user}@${observerDb.database}), toxiproxy ${proxyInfo.Config.Image} ${version} at ${url}`,
    );
    for (const [id, w] of workers)
      say(
        `compose:   worker ${id} = ${w.name} (service ${w.service}) via ${proxyName(id)} :${w.proxyPort} -> 127.0.0.1:${w.endpoint.port}`,
      );
    if (workers.size === 0 && problems.length === 0)
      problems.push("no worker container of the profile's roles");
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
      proxyInfo.Config.Image,
    );
  }
}

/** An attached compose stack. stop() detaches; the stack keeps running. */
export class StartedComposeEnvironment implements StartedEnvironment {
  readonly provider = "compose";
  readonly pauseMethod = "docker pause";
  readonly attached = true;
  readonly #attached = new Map<string, ContainerWorker>();
  readonly #instances = new Map<string, number>();

  constructor(
    private readonly docker: Dockerode,
    readonly project: string,
    readonly observerDb: DbEndpoint,
    readonly proxies: WorkerProxies,
    private readonly stack: Map<string, StackWorker>,
    private readonly sink: EventSink,
    readonly startMs: number,
    /** the image the stack's Toxiproxy runs */
    readonly proxyImage: string,
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
   * Attaches to the stack's worker of that id (it must exist and be configured as the run asks:
   * every env variable the profile makes of the run's values, such as the ttl) and follows its log
   * from now on.
   */
  async startWorker(launch: WorkerLaunch): Promise<string> {
    const { spec, role } = launch;
    const w = this.stack.get(spec.id);
    if (!w)
      throw new ComposeStackError(
        `the stack has no worker ${spec.id}; it runs ${[...this.stack.keys()].join(", ")}`,
      );
    if (spec.extra)
      throw new UnsupportedCapabilityError(
        "compose",
        "start a second process of a worker (a zombie) in an attached stack",
      );
    const differ: string[] = [];
    for (const [key, template] of Object.entries({
      ...role.env,
      ...(role.docker?.env ?? {}),
      ...launch.variantEnv,
    })) {
      const names = [...template.matchAll(/\{\{\s*([\w.-]+)\s*\}\}/g)].map((m) => m[1] as string);
      if (names.length === 0 || !names.every((n) => RUN_VALUES.has(n))) continue;
      // A variable the stack leaves unset takes the worker's own default, which the run cannot see.
      if (!(key in w.env)) continue;
      const wanted = render(template, launch.values, `roles.${role.name}.env.${key}`);
      const actual = w.env[key] ?? "";
      if (actual !== wanted)
        differ.push(
          `${key} is ${JSON.stringify(actual)} in the stack, the run wants ${JSON.stringify(wanted)}`,
        );
    }
    if (differ.length > 0)
      throw new ComposeStackError(
        `worker ${spec.id} (${w.name}) is not configured as this run needs: ${differ.join("; ")} (give the run the stack's values, e.g. --ttl-ms, or restart the stack with them)`,
      );
    const worker = new ContainerWorker(this.docker, w.containerId, spec, this.sink, launch.parser, () => {
      const n = (this.#instances.get(spec.id) ?? 0) + 1;
      this.#instances.set(spec.id, n);
      return n;
    });
    this.#attached.set(spec.id, worker);
    // Following a process that already runs: not a process start (no-inherited-term knows the difference).
    await worker.attach(sinceNow(), { attached: true });
    return spec.id;
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

  /** `docker kill` of the service's container; its heal (a restart) starts the same container again. */
  async killWorker(id: string): Promise<void> {
    await this.#worker(id).kill();
  }

  /** Kill, then start the same container again (same identity): the stack is as it was after. */
  async restartWorker(id: string, launch?: WorkerLaunch): Promise<void> {
    if (launch)
      throw new UnsupportedCapabilityError(
        "compose",
        `restart ${id} under another configuration (the stack's services are configured by docker-compose)`,
      );
    await this.#worker(id).restart();
  }

  async setClock(id: string, _clock: ClockSetting): Promise<void> {
    throw new UnsupportedCapabilityError(
      "compose",
      `move ${id}'s clock: the stack's workers were not started under libfaketime by the harness`,
    );
  }

  async clockEvidence(): Promise<string> {
    return "";
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
