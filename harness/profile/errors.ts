import { LeaseChaosError } from "../errors.ts";

/** A profile that cannot be used: a missing file, bad JSON, an unknown key, a regex that does not compile. Exit 2. */
export class ProfileError extends LeaseChaosError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_PROFILE", message, options);
  }
}
