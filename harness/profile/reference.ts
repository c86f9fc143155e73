import { packageModule } from "../paths.ts";
import { loadProfileFile } from "./load.ts";
import type { Profile } from "./profile.ts";

/** The reference worker's profile file (fixtures/workers), the default when no other is found. */
export const REFERENCE_PROFILE = packageModule("fixtures/workers/lease-chaos.config.ts");

let loaded: Promise<Profile> | null = null;

/** The reference worker's profile, loaded once: one profile among others, through the same schema. */
export function referenceProfile(): Promise<Profile> {
  loaded ??= loadProfileFile(REFERENCE_PROFILE).then((p) => ({
    ...p,
    source: "built-in reference (fixtures/workers/lease-chaos.config.ts)",
  }));
  return loaded;
}
