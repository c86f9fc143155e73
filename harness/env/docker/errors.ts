import { LeaseChaosError } from "../../errors.ts";

/** No Docker engine answers: the docker and compose providers cannot run here. */
export class NoEngineError extends LeaseChaosError {
  constructor(where: string, elapsedMs: number, cause: unknown) {
    super(
      "E_NO_ENGINE",
      `no Docker engine answers at ${where} after ${Math.round(elapsedMs)} ms (${(cause as Error)?.message ?? cause}); start one (bash fixtures/images/engine.sh) or run with --provider local`,
      { cause },
    );
  }
}

/** An image the provider needs is not on this engine; the message says how to get it. */
export class MissingImageError extends LeaseChaosError {
  constructor(
    readonly image: string,
    role: string,
    hint: string,
  ) {
    super("E_MISSING_IMAGE", `the ${role} image ${image} is not on this Docker engine; ${hint}`);
  }
}

/** The compose stack to attach to is absent, ambiguous or not what the run expects. */
export class ComposeStackError extends LeaseChaosError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_COMPOSE_STACK", message, options);
  }
}
