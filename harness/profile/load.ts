import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { z } from "zod";
import { ProfileError } from "./errors.ts";
import { type Profile, resolveProfile } from "./profile.ts";
import { type ProfileInput, profileSchema } from "./schema.ts";

/** The file names looked for in the working directory, in this order. */
export const CONFIG_NAMES = [
  "lease-chaos.config.ts",
  "lease-chaos.config.mts",
  "lease-chaos.config.mjs",
  "lease-chaos.config.js",
  "lease-chaos.config.json",
];

/** The profile file in `dir`, or null when there is none. */
export function findConfig(dir: string): string | null {
  for (const name of CONFIG_NAMES) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/** Validates profile data (from any source) and resolves it; errors name the key path and the value. */
export function parseProfile(input: unknown, source: string, dir: string): Profile {
  const result = profileSchema.safeParse(input, { reportInput: true });
  if (!result.success) throw new ProfileError(`${source}: ${formatIssues(result.error.issues)}`);
  return resolveProfile(result.data, source, dir);
}

/** Loads a profile file: JSON, or a module whose default export is the profile (defineConfig). */
export async function loadProfileFile(file: string): Promise<Profile> {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new ProfileError(`--config ${file}: no such file`);
  if (fs.statSync(abs).isDirectory())
    throw new ProfileError(`--config ${file}: is a folder, not a profile file`);
  let input: unknown;
  if (abs.endsWith(".json")) {
    const text = fs.readFileSync(abs, "utf8");
    try {
      input = JSON.parse(text);
    } catch (err) {
      throw new ProfileError(`${abs}: not valid JSON: ${(err as Error).message}`);
    }
  } else if (/\.(m?[jt]s|cjs)$/.test(abs)) {
    try {
      // TypeScript profiles load through tsx's loader, also from the compiled package.
      const mod = (
        /\.m?ts$/.test(abs)
          ? await (await import("tsx/esm/api")).tsImport(pathToFileURL(abs).href, import.meta.url)
          : await import(pathToFileURL(abs).href)
      ) as { default?: unknown };
      input = mod.default;
      // A .ts file in a package without "type": "module" loads as CommonJS: its default export is
      // then the default of the module's namespace.
      if (
        typeof input === "object" &&
        input !== null &&
        "default" in input &&
        Object.keys(input).every((k) => k === "default" || k === "__esModule")
      )
        input = (input as { default: unknown }).default;
    } catch (err) {
      throw new ProfileError(`${abs}: the module failed to load: ${(err as Error).message}`, { cause: err });
    }
    if (input === undefined)
      throw new ProfileError(`${abs}: has no default export (export default defineConfig({...}))`);
  } else {
    throw new ProfileError(`--config ${file}: expected a .json, .ts, .mts, .mjs or .js file`);
  }
  return parseProfile(input, abs, path.dirname(abs));
}

/** Renders zod's issues as `key.path: problem (got value)`, one per line after the first. */
export function formatIssues(issues: z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, 8).map((issue) => {
    const where = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
    let what = issue.message;
    if (issue.code === "unrecognized_keys")
      what = `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    const got =
      "input" in issue && issue.input !== undefined && issue.code !== "unrecognized_keys"
        ? ` (got ${short(issue.input)})`
        : "";
    return `${where}: ${what}${got}`;
  });
  const more = issues.length > 8 ? `\n  ... and ${issues.length - 8} more` : "";
  return lines.length === 1 ? `${lines[0]}${more}` : `\n  ${lines.join("\n  ")}${more}`;
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Identity helper that types a profile written in TypeScript: `export default defineConfig({...})`. */
export function defineConfig(config: ProfileInput): ProfileInput {
  return config;
}
