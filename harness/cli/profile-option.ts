import path from "node:path";
import { findConfig, loadProfileFile } from "../profile/load.ts";
import type { Profile } from "../profile/profile.ts";
import { referenceProfile } from "../profile/reference.ts";
import type { OptionSpec } from "./args.ts";

/** The --config option every command that runs or judges workers takes. */
export const CONFIG_OPTION: OptionSpec = {
  type: "string",
  help: "the worker profile (lease-chaos.config.{ts,mts,mjs,js,json}); default: one in the working directory, else the reference worker",
};

/** The --lease option of commands that aim faults. */
export const LEASE_OPTION: OptionSpec = {
  type: "string",
  help: "the lease the faults aim at (default: the profile's primary role's)",
};

/** The profile a command runs: --config, else lease-chaos.config.* in the working directory, else the reference worker's. */
export async function profileFromOption(config: string | boolean | undefined): Promise<Profile> {
  if (typeof config === "string") return loadProfileFile(config);
  const found = findConfig(process.cwd());
  return found ? loadProfileFile(found) : referenceProfile();
}

/** How a profile reads in narration and reproduce lines: its --config argument, or nothing for the reference. */
export function configArg(profile: Profile): string {
  return profile.source.startsWith("built-in")
    ? ""
    : ` --config ${path.relative(process.cwd(), profile.source) || profile.source}`;
}
