import { LeaseChaosError } from "../errors.ts";

/** The environment could not start a component; the message carries its log tail. */
export class EnvironmentStartError extends LeaseChaosError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_ENV_START", message, options);
  }
}

/**
 * A worker that cannot run as its profile says: its command is missing, it exits at start, it never
 * leads or never logs a line its profile maps. Bad input (exit 2), with its exit code and last lines.
 */
export class WorkerStartError extends LeaseChaosError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_WORKER_START", message, options);
  }
}

/** A provider was asked for something it cannot do (never a silent downgrade). */
export class UnsupportedCapabilityError extends LeaseChaosError {
  constructor(provider: string, capability: string) {
    super("E_UNSUPPORTED", `the ${provider} provider cannot ${capability}`);
  }
}

/** A worker id the environment does not know. */
export class UnknownWorkerError extends LeaseChaosError {
  constructor(id: string) {
    super("E_UNKNOWN_WORKER", `no worker ${JSON.stringify(id)} in this environment`);
  }
}

/** The entry of a worker in one of a provider's per-worker maps, or UnknownWorkerError. */
export function workerEntry<T>(map: ReadonlyMap<string, T>, id: string): T {
  const entry = map.get(id);
  if (entry === undefined) throw new UnknownWorkerError(id);
  return entry;
}
