import { OFFLINE_IMAGES } from "../../fixtures/images/tags.ts";
import type { Profile } from "../profile/profile.ts";
import type { DockerImages } from "./docker/images.ts";
import { UnsupportedCapabilityError } from "./errors.ts";
import { LocalEnvironment } from "./local/index.ts";
import type { LocalPool } from "./local/pool.ts";
import type { EventSink, StartedEnvironment } from "./provider.ts";

/** The providers a run can ask for; `auto` is docker when it can run here, else local. */
export const PROVIDERS = ["local", "docker", "compose", "auto"] as const;
export type ProviderChoice = (typeof PROVIDERS)[number];

/** What every provider needs, plus what some of them use. */
export interface EnvironmentRequest {
  provider: ProviderChoice;
  sink: EventSink;
  seed: number;
  /** the worker profile: where its files are, which compose services are its workers */
  profile: Profile;
  /** local only: a cluster and fault proxy shared by many runs */
  pool?: LocalPool;
  /** local only: a running Toxiproxy server instead of our embedded proxy */
  toxiproxyUrl?: string;
  /** docker only: images instead of the defaults */
  images?: Partial<DockerImages>;
  /** docker only: the most workers the run starts */
  workerSlots?: number;
  /** narration: which provider and why, what it substituted */
  say?: (line: string) => void;
}

/** A started environment and the line that says what came up. */
export interface ChosenEnvironment {
  env: StartedEnvironment;
  ready: string;
  /** the proxies count bytes as they pass (ours); a real Toxiproxy adds them when a connection closes */
  liveTraffic: boolean;
}

/** Why docker cannot run here, or null when an engine answers and every image (the profile's too) is present. */
export async function dockerUnavailable(
  images?: Partial<DockerImages>,
  profile?: Profile,
): Promise<string | null> {
  const [{ connectEngine }, { resolveImages, requireWorkerImage }, { render }] = await Promise.all([
    import("./docker/engine.ts"),
    import("./docker/images.ts"),
    import("../profile/template.ts"),
  ]);
  try {
    const docker = await connectEngine();
    await resolveImages(docker, images);
    for (const role of profile?.roles ?? []) {
      if (!role.docker) return `roles.${role.name}.docker is not set in profile ${profile?.name}`;
      await requireWorkerImage(
        docker,
        render(role.docker.image, {}, `roles.${role.name}.docker.image`),
        role.name,
      );
    }
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Starts the environment of the requested provider. The only place outside a provider that knows
 * which one runs; the docker modules load only when asked for.
 */
export async function startEnvironment(request: EnvironmentRequest): Promise<ChosenEnvironment> {
  const say = request.say ?? (() => {});
  let provider = request.provider;
  if (provider === "auto") {
    const reason = await dockerUnavailable(request.images, request.profile);
    provider = reason === null ? "docker" : "local";
    say(
      reason === null
        ? "provider auto: docker (an engine answers and every image is present)"
        : `provider auto: local, because ${reason}`,
    );
  }
  if (provider !== "local" && request.toxiproxyUrl)
    throw new UnsupportedCapabilityError(
      provider,
      "use an external Toxiproxy (--toxiproxy-url): it runs its own",
    );
  if (provider === "docker") {
    const { DockerEnvironment } = await import("./docker/index.ts");
    const env = await new DockerEnvironment({
      sink: request.sink,
      ...(request.images ? { images: request.images } : {}),
      ...(request.workerSlots ? { workerSlots: request.workerSlots } : {}),
    }).start();
    for (const note of env.notes) say(`docker: ${note}`);
    const { postgres, toxiproxy } = env.images;
    return {
      env,
      liveTraffic: toxiproxy === OFFLINE_IMAGES.proxy,
      ready: `docker: ${postgres} on 127.0.0.1:${env.observerDb.port} and ${toxiproxy} ready in ${Math.round(env.startMs)} ms; label lease-chaos=${env.runId}`,
    };
  }
  if (provider === "compose") {
    const { ComposeEnvironment } = await import("./docker/compose.ts");
    const env = await new ComposeEnvironment({ sink: request.sink, say, profile: request.profile }).start();
    return {
      env,
      ready: `compose: attached to ${env.describe()} in ${Math.round(env.startMs)} ms`,
      liveTraffic: env.proxyImage === OFFLINE_IMAGES.proxy,
    };
  }
  const t0 = performance.now();
  const env = await new LocalEnvironment({
    sink: request.sink,
    seed: request.seed,
    profile: request.profile,
    ...(request.pool ? { pool: request.pool } : {}),
    ...(request.toxiproxyUrl ? { toxiproxyUrl: request.toxiproxyUrl } : {}),
  }).start();
  return {
    env,
    ready: `postgres ready on 127.0.0.1:${env.observerDb.port} (database ${env.observerDb.database}${request.pool ? ", shared cluster" : ""}) in ${Math.round(performance.now() - t0)} ms`,
    liveTraffic: !request.toxiproxyUrl,
  };
}
