import type Dockerode from "dockerode";
import { OFFLINE_IMAGES } from "../../../fixtures/images/tags.ts";
import { MissingImageError } from "./errors.ts";

/** The images of a docker-provider run besides the workers' (which their profile names). */
export interface DockerImages {
  postgres: string;
  toxiproxy: string;
}

type Role = keyof DockerImages;

/** What users run where a registry is reachable. */
export const DEFAULT_IMAGES: DockerImages = {
  postgres: "postgres:16",
  toxiproxy: "ghcr.io/shopify/toxiproxy:2.12.0",
};

/** The environment variable that overrides each image. */
export const IMAGE_ENV: Record<Role, string> = {
  postgres: "LEASE_CHAOS_POSTGRES_IMAGE",
  toxiproxy: "LEASE_CHAOS_TOXIPROXY_IMAGE",
};

// The stand-ins `npm run images:offline` builds where no registry is reachable.
const OFFLINE: DockerImages = {
  postgres: OFFLINE_IMAGES.postgres,
  toxiproxy: OFFLINE_IMAGES.proxy,
};

/** The images chosen, and a line per substitution (default absent, offline tag used). */
export interface ImageChoice {
  images: DockerImages;
  notes: string[];
}

async function present(docker: Dockerode, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

/**
 * Picks each image: an explicit one (option, then environment) must be present; otherwise the
 * default, or, when the default is absent, the offline tag. Nothing is pulled: a missing image is an
 * error that names it and how to get it.
 */
export async function resolveImages(
  docker: Dockerode,
  overrides: Partial<DockerImages> = {},
): Promise<ImageChoice> {
  const notes: string[] = [];
  const pick = async (role: Role): Promise<string> => {
    const explicit = overrides[role] ?? process.env[IMAGE_ENV[role]];
    if (explicit) {
      if (await present(docker, explicit)) return explicit;
      throw new MissingImageError(
        explicit,
        role,
        `pull it (docker pull ${explicit}) or build it; the offline images come from \`npm run images:offline\` (${OFFLINE[role]})`,
      );
    }
    if (await present(docker, DEFAULT_IMAGES[role])) return DEFAULT_IMAGES[role];
    if (await present(docker, OFFLINE[role])) {
      notes.push(`${DEFAULT_IMAGES[role]} absent: using the offline ${OFFLINE[role]}`);
      return OFFLINE[role];
    }
    throw new MissingImageError(
      DEFAULT_IMAGES[role],
      role,
      `pull it (docker pull ${DEFAULT_IMAGES[role]}) where a registry is reachable, or build the offline images with \`npm run images:offline\` (gives ${OFFLINE[role]}), or name another with ${IMAGE_ENV[role]}`,
    );
  };
  const [postgres, toxiproxy] = await Promise.all([pick("postgres"), pick("toxiproxy")]);
  return { images: { postgres, toxiproxy }, notes };
}

/** Checks that a worker image a profile names is on the engine (nothing is pulled). */
export async function requireWorkerImage(docker: Dockerode, image: string, role: string): Promise<void> {
  if (await present(docker, image)) return;
  throw new MissingImageError(
    image,
    `worker (roles.${role}.docker.image)`,
    `build it (the reference and example workers: \`npm run images:offline\`) or pull it`,
  );
}
