import "./testcontainers-env.ts";
import type Dockerode from "dockerode";
import { GenericContainer, StartupCheckStrategy, type StartupStatus } from "testcontainers";
import { EnvironmentStartError } from "../errors.ts";
import { containerLogs } from "./container-worker.ts";

/** Ready as soon as the engine started it: the provider checks readiness itself (a query, an API call). */
class Started extends StartupCheckStrategy {
  override async checkStartupState(): Promise<StartupStatus> {
    return "SUCCESS";
  }
}

const POLL_MS = 250;

const bound = (info: Dockerode.ContainerInspectInfo): boolean =>
  Object.keys(info.HostConfig.PortBindings ?? {}).every(
    (port) => (info.NetworkSettings.Ports?.[port]?.length ?? 0) > 0,
  );

/**
 * A container of one run: on the run's private network only (under an alias), its published ports
 * bound to 127.0.0.1 alone, never pulled (the provider checked its image is present).
 */
export class RunContainer extends GenericContainer {
  constructor(
    private readonly image: string,
    private readonly name: string,
    network: string,
    labels: Record<string, string>,
    alias?: string,
  ) {
    super(image);
    this.withName(name).withLabels(labels).withWaitStrategy(new Started());
    this.networkMode = network;
    this.hostConfig.NetworkMode = network;
    if (alias) this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: [alias] } } };
  }

  protected override async beforeContainerCreated(): Promise<void> {
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {}))
      for (const binding of bindings as { HostIp?: string }[]) binding.HostIp = "127.0.0.1";
  }

  /**
   * Starts the container and resolves with its id once its ports are published, within
   * `timeoutMs`. testcontainers gives a busy engine 10 s to publish them; past that the container
   * is started all the same, so the wait goes on here, to the provider's deadline. Whatever goes
   * wrong is an EnvironmentStartError (exit 3) that names the container: it exited (with its
   * logs), it never published its ports, or the engine refused it. `role` names it in the
   * message (`Postgres`, `worker fwd-a`).
   */
  async run(docker: Dockerode, timeoutMs: number, role = "container"): Promise<string> {
    const t0 = performance.now();
    try {
      return (await super.start()).getId();
    } catch (err) {
      return waitUntilPublished(docker.getContainer(this.name), {
        what: `${role} (${this.image}, container ${this.name})`,
        t0,
        timeoutMs,
        failure: err,
      });
    }
  }
}

/**
 * After testcontainers gave up on a start: polls the container until it runs with its ports
 * published (its id), or throws an EnvironmentStartError saying what it came to (exited, with its
 * logs; never published; never created), past `timeoutMs` from `t0`.
 */
export async function waitUntilPublished(
  container: Pick<Dockerode.Container, "inspect" | "logs">,
  opts: { what: string; t0: number; timeoutMs: number; failure: unknown; pollMs?: number },
): Promise<string> {
  const { what, t0, timeoutMs, failure } = opts;
  const reason = (failure as Error)?.message ?? String(failure);
  const elapsed = () => Math.round(performance.now() - t0);
  for (;;) {
    let info: Dockerode.ContainerInspectInfo;
    try {
      info = await container.inspect();
    } catch {
      throw new EnvironmentStartError(`${what} did not start after ${elapsed()} ms: ${reason}`, {
        cause: failure,
      });
    }
    if (!info.State.Running && info.State.Status !== "created")
      throw new EnvironmentStartError(
        `${what} exited during start: exit code ${info.State.ExitCode}; its logs:\n${await containerLogs(container as Dockerode.Container)}`,
        { cause: failure },
      );
    if (info.State.Running && bound(info)) return info.Id;
    if (performance.now() - t0 > timeoutMs)
      throw new EnvironmentStartError(
        `${what} ${info.State.Running ? "did not publish its ports" : "was not running"} after ${elapsed()} ms (a busy or stuck engine): ${reason}`,
        { cause: failure },
      );
    await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? POLL_MS));
  }
}

/** The host port a container port is published on (127.0.0.1), from an inspect result. */
export function publishedPort(info: Dockerode.ContainerInspectInfo, containerPort: number): number {
  const binding = info.NetworkSettings.Ports?.[`${containerPort}/tcp`]?.[0];
  const port = Number(binding?.HostPort);
  if (!Number.isInteger(port) || port <= 0)
    throw new EnvironmentStartError(`container ${info.Name} does not publish port ${containerPort}`);
  return port;
}
