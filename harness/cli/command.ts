/** A CLI command: its name, one help line, and a run function returning the exit code. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** Exit codes shared by every command. */
export const EXIT = { pass: 0, fail: 1, usage: 2 } as const;
