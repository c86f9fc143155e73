import type { Profile } from "../profile/profile.ts";
import { referenceProfile } from "../profile/reference.ts";
import { newSeed } from "../random.ts";
import type { DockerImages } from "./docker/images.ts";
import type { EventSink, StartedEnvironment } from "./provider.ts";
import { type ProviderChoice, startEnvironment as start } from "./start-environment.ts";

/** Options of an environment started on its own (outside runScenario). */
export interface EnvironmentOptions {
  provider?: ProviderChoice;
  /** the worker profile whose workers it will run; the reference worker's when absent */
  profile?: Profile;
  seed?: number;
  /** receives worker lines and process events as they happen */
  onEvent?: EventSink;
  toxiproxyUrl?: string;
  images?: Partial<DockerImages>;
}

/**
 * Starts Postgres, the fault proxy and (on docker) the containers of an environment, and returns it
 * started: workers are started through it, and disposing it stops everything (`await using env =
 * await startEnvironment()`).
 */
export async function startEnvironment(options: EnvironmentOptions = {}): Promise<StartedEnvironment> {
  const chosen = await start({
    provider: options.provider ?? "local",
    sink: options.onEvent ?? (() => {}),
    seed: options.seed ?? newSeed(),
    profile: options.profile ?? (await referenceProfile()),
    ...(options.toxiproxyUrl ? { toxiproxyUrl: options.toxiproxyUrl } : {}),
    ...(options.images ? { images: options.images } : {}),
  });
  return chosen.env;
}
