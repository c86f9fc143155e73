/** Base of every error the harness raises on purpose: a stable `code` and the original `cause`. */
export class LeaseChaosError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad command-line input: the CLI prints it and exits 2 before starting anything. */
export class UsageError extends LeaseChaosError {
  constructor(message: string) {
    super("E_USAGE", message);
  }
}
