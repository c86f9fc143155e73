import Dockerode from "dockerode";
import { NoEngineError } from "./errors.ts";

const PING_TIMEOUT_MS = 3_000;

/** Where dockerode connects: DOCKER_HOST or the default unix socket. */
export function engineAddress(): string {
  return process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
}

/** A dockerode client whose engine answered a ping; NoEngineError otherwise. */
export async function connectEngine(): Promise<Dockerode> {
  const t0 = performance.now();
  const docker = new Dockerode();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no reply within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      }),
    ]);
    return docker;
  } catch (err) {
    throw new NoEngineError(engineAddress(), performance.now() - t0, err);
  } finally {
    clearTimeout(timer);
  }
}
