import { spawnSync } from "node:child_process";
import os from "node:os";
import type Dockerode from "dockerode";
import { isAlive } from "../../cleanup.ts";

/** The label every container and network of a docker-provider run carries; its value is the run id. */
export const RUN_LABEL = "lease-chaos";
const RUN_ALIAS_LABEL = "lease-chaos.run";
/**
 * The label of a session: a CI job or a test session that starts many runs (LEASE_CHAOS_SESSION),
 * else the run itself. Two jobs on one engine count and clean up only their own by it.
 */
export const SESSION_LABEL = "lease-chaos.session";
const PID_LABEL = "lease-chaos.owner-pid";
const HOST_LABEL = "lease-chaos.owner-host";

/** The session a run belongs to: LEASE_CHAOS_SESSION, else the run's own id. */
export function sessionOf(runId: string): string {
  return process.env.LEASE_CHAOS_SESSION || runId;
}

/**
 * The labels of one run: the run id, its session, and the owner (pid and host) that a later run
 * checks is alive.
 */
export function runLabels(runId: string): Record<string, string> {
  return {
    [RUN_LABEL]: runId,
    [RUN_ALIAS_LABEL]: runId,
    [SESSION_LABEL]: sessionOf(runId),
    [PID_LABEL]: String(process.pid),
    [HOST_LABEL]: os.hostname(),
  };
}

const abandoned = (labels: Record<string, string> | undefined): boolean => {
  if (!labels || labels[HOST_LABEL] !== os.hostname()) return false;
  const pid = Number(labels[PID_LABEL]);
  return Number.isInteger(pid) && pid > 0 && !isAlive(pid);
};

/**
 * Removes the containers and networks of earlier runs on this host whose owner process is dead (a
 * crash, a SIGKILL): what their own exit handler could not. Returns the run ids it reaped.
 */
export async function reapLeftovers(docker: Dockerode): Promise<string[]> {
  const filters = JSON.stringify({ label: [RUN_LABEL] });
  const runs = new Set<string>();
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers
      .filter((c) => abandoned(c.Labels))
      .map((c) => {
        runs.add(c.Labels[RUN_LABEL] ?? "?");
        return docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => {});
      }),
  );
  const networks = await docker.listNetworks({ filters });
  await Promise.all(
    networks
      .filter((n) => abandoned(n.Labels))
      .map((n) => {
        runs.add(n.Labels?.[RUN_LABEL] ?? "?");
        return docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => {});
      }),
  );
  return [...runs];
}

/** Removes a run's containers, then its network, through the docker CLI: usable from an 'exit' handler. */
export function removeRunSync(runId: string): void {
  const filter = `label=${RUN_LABEL}=${runId}`;
  const ids = (args: string[]) =>
    spawnSync("docker", args, { encoding: "utf8", timeout: 10_000 })
      .stdout?.split("\n")
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  const containers = ids(["ps", "-aq", "--filter", filter]);
  if (containers.length > 0)
    spawnSync("docker", ["rm", "-f", "-v", ...containers], { stdio: "ignore", timeout: 30_000 });
  const networks = ids(["network", "ls", "-q", "--filter", filter]);
  if (networks.length > 0)
    spawnSync("docker", ["network", "rm", ...networks], { stdio: "ignore", timeout: 10_000 });
}

/** Removes a run's containers, then its network, through the API (the normal stop). */
export async function removeRun(docker: Dockerode, runId: string): Promise<void> {
  const filters = JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] });
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err;
        }),
    ),
  );
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove()));
}
