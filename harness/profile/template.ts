import { ProfileError } from "./errors.ts";

/** The values a profile's templates may name, e.g. `{{pg.port}}`, `{{ttlMs}}`, `{{files.worker.toml}}`. */
export type TemplateValues = Record<string, string | number>;

/** The run's timings a template may name: the worker is told them (docs/profiles.md: templates). */
export const TIMING_NAMES = [
  "ttlMs",
  "renewIntervalMs",
  "retryIntervalMs",
  "safetyMarginMs",
  "batchIntervalMs",
  "batchSize",
  "itemWorkMs",
  "queryTimeoutMs",
] as const;

/** Every name a template may use besides `files.NAME` and `env.NAME`; README "templates" lists them. */
export const TEMPLATE_NAMES = [
  "pg.host",
  "pg.port",
  "pg.user",
  "pg.password",
  "pg.database",
  "pg.url",
  "workloadId",
  "leaseName",
  "role",
  "instance",
  ...TIMING_NAMES,
  "bug",
  "configDir",
] as const;

const PLACEHOLDER = /\{\{\s*([\w.-]+)(?::-([^}]*))?\s*\}\}/g;

/** The names a template refers to, in order. */
export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/**
 * Fills in a template. `{{env.NAME}}` reads the harness's own environment and `{{env.NAME:-x}}`
 * gives a default; any other unknown name is a ProfileError naming the key path.
 */
export function render(text: string, values: TemplateValues, keyPath: string): string {
  return text.replace(PLACEHOLDER, (_all, name: string, fallback: string | undefined) => {
    if (name.startsWith("env.")) {
      const value = process.env[name.slice(4)];
      if (value !== undefined && value !== "") return value;
      if (fallback !== undefined) return fallback;
      throw new ProfileError(
        `${keyPath}: {{${name}}} is not set in the environment (give a default: {{${name}:-value}})`,
      );
    }
    const value = values[name];
    if (value === undefined) {
      throw new ProfileError(
        `${keyPath}: unknown placeholder {{${name}}} in ${JSON.stringify(text)}; known: ${[...TEMPLATE_NAMES, "files.NAME", "env.NAME"].join(", ")}`,
      );
    }
    return String(value);
  });
}

/**
 * The `{{env.NAME}}` values the templates under `data` use, as a run reads them now: the
 * variable's value when it is set, else the template's default. `set` tells which came from the
 * environment (those must be given again to repeat the run).
 */
export function envValues(data: unknown): { name: string; value: string; set: boolean }[] {
  const found = new Map<string, { name: string; value: string; set: boolean }>();
  const walk = (v: unknown): void => {
    if (typeof v === "string") {
      for (const m of v.matchAll(PLACEHOLDER)) {
        const name = m[1] as string;
        if (!name.startsWith("env.") || found.has(name)) continue;
        const key = name.slice(4);
        const value = process.env[key];
        const set = value !== undefined && value !== "";
        if (set || m[2] !== undefined)
          found.set(name, { name: key, value: set ? value : (m[2] as string), set });
      }
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(data);
  return [...found.values()];
}

/** A shell-safe `NAME=value ` prefix of a command line. */
export function envPrefix(vars: { name: string; value: string }[]): string {
  const quote = (v: string) => (/^[\w@%+=:,./-]*$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`);
  return vars.map((v) => `${v.name}=${quote(v.value)} `).join("");
}
