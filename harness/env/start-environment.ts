import type { DockerImages } from "./docker/images.ts";
import { UnsupportedCapabilityError } from "./errors.ts";
import { LocalEnvironment } from "./local/index.ts";
import type { EventSink, StartedEnvironment } from "./provider.ts";

/** The providers a run can ask for; `auto` is docker when it can run here, else local. */
export const PROVIDERS = ["local", "docker", "compose", "auto"] as const;
export type ProviderChoice = (typeof PROVIDERS)[number];

/** What every provider needs, plus what some of them use. */
export interface EnvironmentRequest {
  provider: ProviderChoice;
  sink: EventSink;
  seed: number;
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
}

/** Why docker cannot run here, or null when an engine answers and every image is present. */
export async function dockerUnavailable(images?: Partial<DockerImages>): Promise<string | null> {
  const [{ connectEngine }, { resolveImages }] = await Promise.all([
    import("./docker/engine.ts"),
    import("./docker/images.ts"),
  ]);
  try {
    await resolveImages(await connectEngine(), images);
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
    const reason = await dockerUnavailable(request.images);
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
    const { postgres, toxiproxy, worker } = env.images;
    return {
      env,
      ready: `docker: ${postgres} on 127.0.0.1:${env.observerDb.port} and ${toxiproxy} ready in ${Math.round(env.startMs)} ms; workers ${worker}; label lease-chaos=${env.runId}`,
    };
  }
  if (provider === "compose") {
    const { ComposeEnvironment } = await import("./docker/compose.ts");
    const env = await new ComposeEnvironment({ sink: request.sink, say }).start();
    return { env, ready: `compose: attached to ${env.describe()} in ${Math.round(env.startMs)} ms` };
  }
  const env = await new LocalEnvironment({
    sink: request.sink,
    seed: request.seed,
    ...(request.toxiproxyUrl ? { toxiproxyUrl: request.toxiproxyUrl } : {}),
  }).start();
  return {
    env,
    ready: `postgres ready on 127.0.0.1:${env.observerDb.port} in ${Math.round(env.postgres.startMs)} ms`,
  };
}
