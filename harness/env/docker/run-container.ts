import "./ryuk.ts";
import type Dockerode from "dockerode";
import { GenericContainer, StartupCheckStrategy, type StartupStatus } from "testcontainers";
import { EnvironmentStartError } from "../errors.ts";

/** Ready as soon as the engine started it: the provider checks readiness itself (a query, an API call). */
class Started extends StartupCheckStrategy {
  override async checkStartupState(): Promise<StartupStatus> {
    return "SUCCESS";
  }
}

/**
 * A container of one run: on the run's private network only (under an alias), its published ports
 * bound to 127.0.0.1 alone, never pulled (the provider checked its image is present).
 */
export class RunContainer extends GenericContainer {
  constructor(image: string, name: string, network: string, labels: Record<string, string>, alias?: string) {
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
}

/** The host port a container port is published on (127.0.0.1), from an inspect result. */
export function publishedPort(info: Dockerode.ContainerInspectInfo, containerPort: number): number {
  const binding = info.NetworkSettings.Ports?.[`${containerPort}/tcp`]?.[0];
  const port = Number(binding?.HostPort);
  if (!Number.isInteger(port) || port <= 0)
    throw new EnvironmentStartError(`container ${info.Name} does not publish port ${containerPort}`);
  return port;
}
