import "./testcontainers-env.ts";
import fs from "node:fs";
import path from "node:path";
import type Dockerode from "dockerode";
import pg from "pg";
import { onExitSync } from "../../cleanup.ts";
import { render } from "../../profile/template.ts";
import {
  EnvironmentStartError,
  UnsupportedCapabilityError,
  WorkerStartError,
  workerEntry,
} from "../errors.ts";
import {
  faketimeEnv,
  faketimeSpec,
  instanceValues,
  LIBFAKETIME,
  renderLaunch,
  scratchDir,
  writeFiles,
} from "../launch.ts";
import type {
  ClockSetting,
  DbEndpoint,
  EventSink,
  StartedEnvironment,
  WorkerLaunch,
  WorkerState,
} from "../provider.ts";
import { ProbeConnection, probe } from "../worker-proxies.ts";
import { ContainerWorker, containerLogs } from "./container-worker.ts";
import { connectEngine } from "./engine.ts";
import { type DockerImages, requireWorkerImage, resolveImages } from "./images.ts";
import { reapLeftovers, removeRun, removeRunSync, runLabels } from "./labels.ts";
import { publishedPort, RunContainer } from "./run-container.ts";
import { PROXY_PORTS, SlotProxies } from "./slot-proxies.ts";

const READY_TIMEOUT_MS = 60_000;
const WORKER_FIRST_LINE_MS = 15_000;
const LAST_WORDS_MS = 1_000;
const DB = { user: "postgres", password: "lease-chaos", database: "postgres" };

/** Options of the docker provider. */
export interface DockerEnvironmentOptions {
  /** receives worker log lines and container events as they happen */
  sink: EventSink;
  /** images instead of the defaults (each also settable by LEASE_CHAOS_*_IMAGE) */
  images?: Partial<DockerImages>;
  /** how many workers the run starts at most: the Toxiproxy container publishes one port each */
  workerSlots?: number;
}

/** Polls `attempt` until it resolves; `alive` is asked between tries so a dead container fails fast. */
async function until<T>(
  what: string,
  attempt: () => Promise<T>,
  alive: () => Promise<string | null>,
): Promise<T> {
  const t0 = performance.now();
  let last: unknown;
  while (performance.now() - t0 < READY_TIMEOUT_MS) {
    try {
      return await attempt();
    } catch (err) {
      last = err;
    }
    const dead = await alive();
    if (dead !== null) throw new EnvironmentStartError(`${what} exited during start: ${dead}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new EnvironmentStartError(
    `${what} not ready after ${Math.round(performance.now() - t0)} ms: ${(last as Error)?.message ?? last}`,
    { cause: last },
  );
}

/** The docker provider: Postgres, Toxiproxy and the workers as containers on one private network. */
export class DockerEnvironment {
  constructor(private readonly options: DockerEnvironmentOptions) {}

  async start(): Promise<StartedDockerEnvironment> {
    const t0 = performance.now();
    const docker = await connectEngine();
    const [choice, reaped] = await Promise.all([
      resolveImages(docker, this.options.images),
      reapLeftovers(docker),
    ]);
    const runId = `${Date.now().toString(36)}-${process.pid}`;
    const labels = runLabels(runId);
    // Files and clock files of the workers, bind-mounted into their containers.
    const scratch = scratchDir("lease-chaos-docker-");
    fs.chmodSync(scratch, 0o755);
    // Registered before anything else exists: whatever carries the run's label goes at exit, however
    // it comes, and the scratch folder with it. (Ctrl-C and SIGTERM exit through the same handlers.)
    const unregister = onExitSync(() => {
      removeRunSync(runId);
      fs.rmSync(scratch, { recursive: true, force: true });
    });
    const network = `lease-chaos-${runId}`;
    const name = (what: string) => `lease-chaos-${runId}-${what}`;
    const { images } = choice;
    try {
      await docker.createNetwork({ Name: network, Driver: "bridge", CheckDuplicate: true, Labels: labels });
      const slots = PROXY_PORTS.slice(0, Math.min(PROXY_PORTS.length, this.options.workerSlots ?? 8));
      const [postgresId, toxiproxyId] = await Promise.all([
        new RunContainer(images.postgres, name("postgres"), network, labels, "postgres")
          .withEnvironment({
            POSTGRES_PASSWORD: DB.password,
            POSTGRES_USER: DB.user,
            POSTGRES_DB: DB.database,
          })
          .withCommand([
            "postgres",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "max_connections=200",
          ])
          .withExposedPorts(5432)
          .run(docker, READY_TIMEOUT_MS, "Postgres"),
        // Toxiproxy's byte counters (/metrics) show each worker's traffic; both servers take the flags.
        new RunContainer(images.toxiproxy, name("toxiproxy"), network, labels, "toxiproxy")
          .withCommand(["--host=0.0.0.0", "--port=8474", "--proxy-metrics"])
          .withExposedPorts(8474, ...slots)
          .run(docker, READY_TIMEOUT_MS, "Toxiproxy"),
      ]);
      const [pgInfo, proxyInfo] = await Promise.all([
        docker.getContainer(postgresId).inspect(),
        docker.getContainer(toxiproxyId).inspect(),
      ]);
      const deadReason = async (info: Dockerode.ContainerInspectInfo) =>
        info.State.Running
          ? null
          : `exit code ${info.State.ExitCode}; its logs:\n${await containerLogs(docker.getContainer(info.Id))}`;
      const exitedWith = (id: string) => async () => deadReason(await docker.getContainer(id).inspect());
      // A container that died at once publishes no port: say so with its logs, not "no port".
      for (const [info, what] of [
        [pgInfo, `Postgres (${images.postgres})`],
        [proxyInfo, `Toxiproxy (${images.toxiproxy})`],
      ] as const) {
        const dead = await deadReason(info);
        if (dead !== null) throw new EnvironmentStartError(`${what} exited during start: ${dead}`);
      }
      const observerDb: DbEndpoint = { host: "127.0.0.1", port: publishedPort(pgInfo, 5432), ...DB };
      const url = `http://127.0.0.1:${publishedPort(proxyInfo, 8474)}`;
      const proxies = new SlotProxies(url, "postgres:5432", slots, (port) => publishedPort(proxyInfo, port));
      await Promise.all([
        until(
          `Postgres (${images.postgres}) on 127.0.0.1:${observerDb.port}`,
          async () => {
            const client = new pg.Client({ ...observerDb, connectionTimeoutMillis: 1_000 });
            client.on("error", () => {});
            try {
              await client.connect();
              await client.query("SELECT 1");
            } finally {
              await client.end().catch(() => {});
            }
          },
          exitedWith(postgresId),
        ),
        until(
          `Toxiproxy (${images.toxiproxy}) at ${url}`,
          () => proxies.client.getVersion(),
          exitedWith(toxiproxyId),
        ),
      ]);
      return new StartedDockerEnvironment({
        docker,
        runId,
        network,
        images,
        notes: [
          ...choice.notes,
          ...(reaped.length ? [`reaped leftovers of dead runs: ${reaped.join(", ")}`] : []),
        ],
        observerDb,
        proxies,
        sink: this.options.sink,
        startMs: performance.now() - t0,
        scratch,
        release: () => {
          unregister();
          fs.rmSync(scratch, { recursive: true, force: true });
        },
      });
    } catch (err) {
      await removeRun(docker, runId).catch(() => removeRunSync(runId));
      unregister();
      fs.rmSync(scratch, { recursive: true, force: true });
      throw err;
    }
  }
}

interface StartedParts {
  docker: Dockerode;
  runId: string;
  network: string;
  images: DockerImages;
  notes: string[];
  observerDb: DbEndpoint;
  proxies: SlotProxies;
  sink: EventSink;
  startMs: number;
  scratch: string;
  release: () => void;
}

/** A running docker environment. Stopping it removes every container and the network of the run. */
export class StartedDockerEnvironment implements StartedEnvironment {
  readonly provider = "docker";
  readonly pauseMethod = "docker pause";
  readonly #workers = new Map<string, ContainerWorker>();
  readonly #endpoints = new Map<string, DbEndpoint>();
  readonly #instances = new Map<string, number>();
  readonly #clockFiles = new Map<string, { file: string; startedAt: number; enabled: boolean }>();
  readonly #checkedImages = new Set<string>();
  #stopped = false;

  constructor(private readonly parts: StartedParts) {}

  get observerDb(): DbEndpoint {
    return this.parts.observerDb;
  }

  get proxies(): SlotProxies {
    return this.parts.proxies;
  }

  /** The run id: the value of the `lease-chaos` label on everything this run started. */
  get runId(): string {
    return this.parts.runId;
  }

  get images(): DockerImages {
    return this.parts.images;
  }

  /** Substitutions and reaped leftovers, worth a line of narration. */
  get notes(): string[] {
    return this.parts.notes;
  }

  /** Engine ping to Postgres answering and the Toxiproxy API up. */
  get startMs(): number {
    return this.parts.startMs;
  }

  #worker(id: string): ContainerWorker {
    return workerEntry(this.#workers, id);
  }

  #endpoint(id: string): DbEndpoint {
    return workerEntry(this.#endpoints, id);
  }

  /**
   * Creates the worker's proxy and its container (the profile's image and env, with {{pg.host}} the
   * Toxiproxy alias and {{pg.port}} its proxy port); resolves on its first line. A container that
   * exits first fails with its logs.
   */
  async startWorker(launch: WorkerLaunch): Promise<string> {
    const { spec, role } = launch;
    const { docker, runId, network } = this.parts;
    const key = launch.spec.extra ? `${spec.id}.${(this.#instances.get(spec.id) ?? 0) + 1}` : spec.id;
    const endpoint = await this.proxies.create(key, this.observerDb);
    this.#endpoints.set(key, endpoint);
    const inside: DbEndpoint = {
      ...this.observerDb,
      host: "toxiproxy",
      port: this.proxies.containerPort(key),
    };
    const hostDir = path.join(this.parts.scratch, key);
    fs.mkdirSync(hostDir, { recursive: true, mode: 0o755 });
    const values = instanceValues(
      launch,
      inside,
      "/lease-chaos/files",
      (this.#instances.get(spec.id) ?? 0) + 1,
    );
    const rendered = renderLaunch(launch, "docker", values, "/");
    if (!role.docker)
      throw new WorkerStartError(
        `roles.${role.name}.docker is not set: the profile names no image for this role`,
      );
    const image = await this.#image(launch, values);
    writeFiles(path.join(hostDir, "files"), rendered.files, true);
    let clockEnv: Record<string, string> = {};
    if (launch.clockFaults) {
      fs.writeFileSync(path.join(hostDir, "faketime"), "+0");
      fs.chmodSync(path.join(hostDir, "faketime"), 0o644);
      clockEnv = faketimeEnv("/lease-chaos/faketime", launch.clockFaults, LIBFAKETIME);
    }
    const t0 = performance.now();
    const container = new RunContainer(image, `lease-chaos-${runId}-${key.replace(".", "-")}`, network, {
      ...runLabels(runId),
      "lease-chaos.worker": key,
    })
      .withEnvironment({ ...rendered.env, ...clockEnv })
      .withBindMounts([{ source: hostDir, target: "/lease-chaos", mode: "ro" }]);
    if (rendered.command) container.withCommand([rendered.command, ...rendered.args]);
    const containerId = await container.run(docker, READY_TIMEOUT_MS, `worker ${key}`);
    const worker = new ContainerWorker(docker, containerId, spec, this.parts.sink, launch.parser, () =>
      this.#nextInstance(spec.id),
    );
    this.#workers.set(key, worker);
    this.#clockFiles.set(key, {
      file: path.join(hostDir, "faketime"),
      startedAt: Date.now(),
      enabled: !!launch.clockFaults,
    });
    const { firstLine, exited } = await worker.attach();
    let timer: NodeJS.Timeout | undefined;
    const within = <T>(ms: number, value: T) =>
      new Promise<T>((resolve) => {
        timer = setTimeout(() => resolve(value), ms);
      });
    let outcome = await Promise.race([
      firstLine,
      exited.then(() => "exited" as const),
      within(WORKER_FIRST_LINE_MS, "silent" as const),
    ]);
    clearTimeout(timer);
    // A first line on stderr or not in the profile's format may be the worker's last words: a moment to show as an exit.
    if (outcome === "other")
      outcome = await Promise.race([
        exited.then(() => "exited" as const),
        within(LAST_WORDS_MS, "other" as const),
      ]);
    clearTimeout(timer);
    const state = outcome === "exited" ? "exited" : await worker.state();
    if (state === "exited") {
      const info = await docker.getContainer(containerId).inspect();
      throw new WorkerStartError(
        `worker ${key} (${image}) exited with code ${info.State.ExitCode} ${Math.round(performance.now() - t0)} ms after its start; its logs:\n${await worker.logs()}`,
      );
    }
    return key;
  }

  async #image(launch: WorkerLaunch, values: Record<string, string | number>): Promise<string> {
    const image = render(launch.role.docker?.image ?? "", values, `roles.${launch.role.name}.docker.image`);
    if (!this.#checkedImages.has(image)) {
      await requireWorkerImage(this.parts.docker, image, launch.role.name);
      this.#checkedImages.add(image);
    }
    return image;
  }

  #nextInstance(id: string): number {
    const n = (this.#instances.get(id) ?? 0) + 1;
    this.#instances.set(id, n);
    return n;
  }

  async setClock(key: string, clock: ClockSetting): Promise<void> {
    const entry = workerEntry(this.#clockFiles, key);
    if (!entry.enabled)
      throw new UnsupportedCapabilityError(
        "docker",
        `move ${key}'s clock: it was not started under libfaketime`,
      );
    const now = Date.now();
    fs.writeFileSync(entry.file, faketimeSpec(clock, entry.startedAt, now));
    this.#worker(key).clock.set(clock, now);
  }

  async clockEvidence(key: string): Promise<string> {
    const worker = this.#worker(key);
    const exec = await this.parts.docker.getContainer(worker.containerId).exec({
      Cmd: ["sh", "-c", "grep -l libfaketime /proc/[0-9]*/maps 2>/dev/null | head -3"],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    const out = await new Promise<string>((resolve) => {
      let text = "";
      stream.on("data", (d: Buffer) => {
        text += d.toString("utf8");
      });
      stream.on("end", () => resolve(text));
      stream.on("error", () => resolve(text));
    });
    // The exec's output comes framed (8-byte headers); the paths are all that is needed of it.
    const pids = [...out.matchAll(/\/proc\/(\d+)\/maps/g)].map((m) => m[1]);
    return pids.length ? `libfaketime mapped in the container's pid ${pids.join(", ")}` : "";
  }

  async probeWorkerDb(id: string, timeoutMs: number): Promise<number> {
    return probe(id, this.#endpoint(id), timeoutMs);
  }

  async openWorkerProbe(id: string, timeoutMs: number): Promise<ProbeConnection> {
    return ProbeConnection.open(id, this.#endpoint(id), timeoutMs);
  }

  workerIds(): string[] {
    return [...this.#workers.keys()];
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

  async killWorker(id: string): Promise<void> {
    await this.#worker(id).kill();
  }

  async stopWorker(id: string, graceMs?: number): Promise<void> {
    await this.#worker(id).stop(graceMs);
  }

  async restartWorker(id: string, launch?: WorkerLaunch): Promise<void> {
    // A container's environment is fixed when it is made: another configuration is a new one.
    if (launch)
      throw new UnsupportedCapabilityError(
        "docker",
        `restart ${id} under another configuration (its container's environment is fixed; use --provider local)`,
      );
    await this.#worker(id).restart();
  }

  /** Removes every container and the network of the run (by its label), then forgets the exit hook. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const worker of this.#workers.values()) worker.detach();
    try {
      await removeRun(this.parts.docker, this.parts.runId);
    } catch {
      removeRunSync(this.parts.runId);
    }
    this.parts.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
