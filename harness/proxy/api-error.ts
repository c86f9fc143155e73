import { LeaseChaosError } from "../errors.ts";

/** An error the API answers with: the HTTP status and Toxiproxy's message text. */
export class ProxyApiError extends LeaseChaosError {
  readonly status: number;

  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super("E_PROXY_API", message, options);
    this.status = status;
  }
}

// Toxiproxy's short list of predefined errors, worded exactly as it words them.
/** 400 `bad request body: <decoder text>` */
export const badRequestBody = (detail: string): ProxyApiError =>
  new ProxyApiError(400, `bad request body: ${detail}`);
/** 400 `missing required field: <field>[ at proxy N]` */
export const missingField = (field: string, suffix = ""): ProxyApiError =>
  new ProxyApiError(400, `missing required field: ${field}${suffix}`);
/** 404 proxy not found */
export const proxyNotFound = (): ProxyApiError => new ProxyApiError(404, "proxy not found");
/** 404 toxic not found */
export const toxicNotFound = (): ProxyApiError => new ProxyApiError(404, "toxic not found");
/** 409 proxy already exists */
export const proxyExists = (): ProxyApiError => new ProxyApiError(409, "proxy already exists");
/** 409 toxic already exists */
export const toxicExists = (): ProxyApiError => new ProxyApiError(409, "toxic already exists");
/** 400 stream was invalid */
export const invalidStream = (): ProxyApiError =>
  new ProxyApiError(400, "stream was invalid, can be either upstream or downstream");
/** 400 invalid toxic type */
export const invalidToxicType = (): ProxyApiError => new ProxyApiError(400, "invalid toxic type");
/** 400 for attributes on which Toxiproxy would crash or hang (our addition) */
export const invalidAttributes = (detail: string): ProxyApiError =>
  new ProxyApiError(400, `invalid toxic attributes: ${detail}`);
/** 500 with the raw text of a runtime failure (bind errors, unresolvable listen) */
export const internal = (message: string, cause?: unknown): ProxyApiError =>
  new ProxyApiError(500, message, { cause });
