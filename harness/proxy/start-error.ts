import { LeaseChaosError } from "../errors.ts";

/** The proxy server could not start: the API port could not be bound, or the config failed. */
export class ProxyStartError extends LeaseChaosError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_PROXY_START", message, options);
  }
}
