import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";

/** One option of a command: its type, default and help line. */
export interface OptionSpec {
  type: "string" | "boolean";
  help: string;
  default?: string | boolean;
  short?: string;
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
          ...(s.default !== undefined ? { default: s.default } : {}),
        },
      ]),
    );
    const parsed = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return {
      values: parsed.values as Record<string, string | boolean | undefined>,
      positionals: parsed.positionals,
    };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
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
