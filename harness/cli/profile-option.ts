import path from "node:path";
import { UsageError } from "../errors.ts";
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

/** --bug: one of the profile's variants, or null; a UsageError listing the valid ones otherwise. */
export function bugOption(
  values: Record<string, string | boolean | undefined>,
  profile: Profile,
): string | null {
  const bug = typeof values.bug === "string" ? values.bug : null;
  const variants = Object.keys(profile.data.variants);
  if (bug !== null && !variants.includes(bug))
    throw new UsageError(
      `--bug ${JSON.stringify(bug)} is not a variant of profile ${profile.name}; valid: ${variants.join(", ") || "none"}`,
    );
  return bug;
}

/** --toxiproxy-url, else LEASE_CHAOS_TOXIPROXY_URL: an http URL, or undefined. */
export function toxiproxyUrlOption(values: Record<string, string | boolean | undefined>): string | undefined {
  const url = (values["toxiproxy-url"] as string | undefined) ?? process.env.LEASE_CHAOS_TOXIPROXY_URL;
  if (url !== undefined && !/^https?:\/\/[^/]+/.test(url))
    throw new UsageError(
      `--toxiproxy-url must be an http URL such as http://127.0.0.1:8474, got ${JSON.stringify(url)}`,
    );
  return url;
}
