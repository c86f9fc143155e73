/** A CLI command: its name, one help line, and a run function returning the exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/**
 * Exit codes shared by every command: 0 every verdict passed, 1 a check failed, 2 bad input (an
 * option, a profile), 3 unknown (evidence missing, a fault that did not apply, a premise that did
 * not happen, an environment that could not start).
 */
export const EXIT = { pass: 0, fail: 1, usage: 2, unknown: 3 } as const;

/** The exit code of a verdict; a skipped run judged nothing, which is no pass. */
export function exitOf(verdict: "pass" | "fail" | "unknown" | "skipped"): number {
  return verdict === "pass" ? EXIT.pass : verdict === "fail" ? EXIT.fail : EXIT.unknown;
}
