import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { onExitSync } from "../cleanup.ts";
import { closest } from "../closest.ts";
import { UsageError } from "../errors.ts";

export { closest };

/** One option of a command: its type, default and help line. */
export interface OptionSpec {
  type: "string" | "boolean";
  help: string;
  default?: string | boolean;
  short?: string;
  /** may be given more than once (its value is then a list) */
  multiple?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Parses argv strictly: an unknown option or a missing value is a UsageError naming it. */
export function parseOptions(argv: string[], specs: OptionSpecs, allowPositionals = false) {
  try {
    const options = Object.fromEntries(
      Object.entries(specs).map(([name, s]) => [
        name,
        {
          type: s.type,
          ...(s.short ? { short: s.short } : {}),
          ...(s.multiple ? { multiple: true } : {}),
          ...(s.default !== undefined ? { default: s.default } : {}),
        },
      ]),
    );
    const parsed = parseArgs({
      args: joinNegativeValues(argv, specs),
      options,
      allowPositionals,
      strict: true,
    });
    return {
      values: parsed.values as Record<string, string | boolean | undefined> & { set?: string[] },
      positionals: parsed.positionals,
    };
  } catch (err) {
    throw new UsageError(inOurWords((err as Error).message, specs));
  }
}

// `--offset-ms -1500`: Node's parser takes a value that starts with a dash for an option and calls
// the pair ambiguous. A number after an option that takes a value is that option's value.
function joinNegativeValues(argv: string[], specs: OptionSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const name = /^--([\w-]+)$/.exec(arg)?.[1];
    if (name && specs[name]?.type === "string" && next !== undefined && /^-\d+(\.\d+)?$/.test(next)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else out.push(arg);
  }
  return out;
}

// Node's parser speaks of itself; say what was wrong and what was meant.
function inOurWords(message: string, specs: OptionSpecs): string {
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message);
  if (unknown) {
    const given = (unknown[1] as string).replace(/^-+/, "").split("=")[0] as string;
    const near = closest(given, Object.keys(specs));
    return `unknown option --${given}${near ? `; did you mean --${near}?` : ""} (--help lists the options)`;
  }
  const missing = /Option '(?:-\w, )?--([\w-]+) <value>' argument missing/.exec(message);
  if (missing) return `--${missing[1]} needs a value`;
  const positional = /Unexpected argument '([^']+)'/.exec(message);
  if (positional)
    return `unexpected argument ${JSON.stringify(positional[1])} (this command takes options only; --help lists them)`;
  return message
    .replace(/^TypeError \[[A-Z_]+\]: /, "")
    .replace(/\. To specify a positional argument.*$/, "");
}

/**
 * A --report-dir that can be written, checked before anything starts: created if absent, refused
 * at once (exit 2) when it cannot be, or when it lies in a pseudo file system (/proc, /sys, /dev).
 */
export function reportDirOption(
  values: Record<string, string | boolean | undefined>,
  fallback: string,
): string {
  const raw = values["report-dir"];
  const dir = path.resolve(typeof raw === "string" ? raw : fallback);
  return writableFolder(
    dir,
    typeof raw === "string" ? `--report-dir ${JSON.stringify(raw)}` : `the report folder ${dir}`,
  );
}

/**
 * A folder an option names (`what`, as the error should name it), created if absent and probed for
 * writing; refused (exit 2) when it cannot be written or lies in /proc, /sys or /dev. A folder it
 * created and nothing filled is removed again at exit: a command refused later (another option,
 * the profile) or stopped early leaves no empty report folders behind.
 */
export function writableFolder(dir: string, what: string): string {
  if (/^\/(proc|sys|dev)(\/|$)/.test(dir))
    throw new UsageError(`${what} lies in ${dir.split("/")[1]}, which holds no reports`);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory())
    throw new UsageError(`${what} cannot be written: ENOTDIR (${dir} is a file)`);
  try {
    const created = fs.mkdirSync(dir, { recursive: true });
    if (created !== undefined) onExitSync(() => removeEmpty(dir, created));
    const probe = path.join(dir, `.lease-chaos-write-test-${process.pid}`);
    fs.writeFileSync(probe, "");
    fs.rmSync(probe);
  } catch (err) {
    throw new UsageError(
      `${what} cannot be written: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  return dir;
}

// Removes `dir` and its parents up to `top` (the first folder mkdir made), as long as each is empty.
function removeEmpty(dir: string, top: string): void {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      fs.rmdirSync(d);
    } catch {
      return; // not empty (or gone): what is in it stays
    }
    if (d === top || path.dirname(d) === d) return;
  }
}

/** Reads an integer option within bounds, naming the option and value when it is not one. */
export function intOption(
  values: Record<string, string | boolean | undefined>,
  name: string,
  bounds: { min: number; max: number },
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw);
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n)) {
    throw new UsageError(`--${name} must be an integer, got ${JSON.stringify(text)}`);
  }
  if (n < bounds.min || n > bounds.max) {
    throw new UsageError(`--${name} must be between ${bounds.min} and ${bounds.max}, got ${n}`);
  }
  return n;
}

/** Reads an option whose value must be one of `choices`, listing them when it is not. */
export function choiceOption<T extends string>(
  values: Record<string, string | boolean | undefined>,
  name: string,
  choices: readonly T[],
): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!choices.includes(raw as T)) {
    throw new UsageError(`--${name} ${JSON.stringify(raw)} is not one of: ${choices.join(", ")}`);
  }
  return raw as T;
}

/** Renders the option table of a command's help. */
export function optionsHelp(specs: OptionSpecs): string {
  return Object.entries(specs)
    .map(([name, s]) => `  --${name}${s.type === "string" ? " VALUE" : ""}`.padEnd(26) + s.help)
    .join("\n");
}
