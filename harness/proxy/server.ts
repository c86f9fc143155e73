import type { IncomingMessage, ServerResponse } from "node:http";
import { ProxyApiError } from "./api-error.ts";
import { decodeProxyInput, type ProxyCollection, type ProxyInput } from "./collection.ts";
import { asObject, field, parseBody } from "./decode.ts";
import type { ProxyLog } from "./log.ts";
import { METRICS_CONTENT_TYPE, type ProxyMetrics } from "./metrics.ts";
import { requestId } from "./request-id.ts";
import { toxicJson } from "./toxic-spec.ts";

/** The version /version reports: the Toxiproxy release whose behaviour this server follows. */
export const TOXIPROXY_VERSION = "2.12.0";

/** What a handler answers: a status and, for JSON answers, the body text. */
interface Reply {
  status: number;
  json?: string;
  /** a body that is not JSON (/metrics), sent with `contentType` */
  text?: string;
  /** /version, /metrics and populate errors set their own */
  contentType?: string;
}

interface Request {
  params: Record<string, string>;
  body: string;
  collection: ProxyCollection;
}

type Handler = (req: Request) => Promise<Reply> | Reply;

interface Route {
  /** "*": any method, like a gorilla/mux route registered without .Methods() */
  method: string;
  path: string;
  handler: Handler;
}

const json = (status: number, text: string): Reply => ({ status, json: text });
const noContent: Reply = { status: 204 };

function proxiesObject(collection: ProxyCollection): string {
  // Go's encoder sorts map keys.
  const proxies = collection.all().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `{${proxies.map((p) => `${JSON.stringify(p.name)}:${p.toJson()}`).join(",")}}`;
}

function populateReply(status: number, proxies: string, error?: ProxyApiError): Reply {
  const head = error ? `"error":${JSON.stringify(error.message)},"status":${error.status},` : "";
  return { status, json: `{${head}"proxies":${proxies}}`, contentType: "application/json" };
}

async function populate({ body, collection }: Request): Promise<Reply> {
  // Populate answers its errors as JSON with the proxies processed so far (application/json, no newline).
  let inputs: ProxyInput[];
  try {
    const parsed = parseBody(body);
    if (!Array.isArray(parsed)) {
      const kind = parsed === null ? "null" : typeof parsed === "object" ? "object" : typeof parsed;
      if (parsed !== null) {
        throw new ProxyApiError(
          400,
          `bad request body: json: cannot unmarshal ${kind === "boolean" ? "bool" : kind} into Go value of type []toxiproxy.Proxy`,
        );
      }
    }
    inputs = ((parsed as unknown[] | null) ?? []).map((entry) => decodeProxyInput(entry));
    const result = await collection.populate(inputs);
    const list =
      result.proxies.length === 0 ? "null" : `[${result.proxies.map((p) => p.toJson()).join(",")}]`;
    if (result.error) return populateReply(result.error.status, list, result.error);
    return populateReply(201, list);
  } catch (err) {
    if (err instanceof ProxyApiError) return populateReply(err.status, "null", err);
    throw err;
  }
}

// The routes table, matched like gorilla/mux: exact paths, {name} is one non-empty segment.
const routes: Route[] = [
  {
    method: "POST",
    path: "/reset",
    handler: async ({ collection }) => {
      await collection.reset();
      return noContent;
    },
  },
  { method: "GET", path: "/proxies", handler: ({ collection }) => json(200, proxiesObject(collection)) },
  {
    method: "POST",
    path: "/proxies",
    handler: async ({ body, collection }) =>
      json(201, (await collection.create(decodeProxyInput(parseBody(body)))).toJson()),
  },
  { method: "POST", path: "/populate", handler: populate },
  {
    method: "GET",
    path: "/proxies/{proxy}",
    handler: ({ params, collection }) => json(200, collection.get(params.proxy as string).toJson()),
  },
  { method: "POST", path: "/proxies/{proxy}", handler: updateProxy },
  { method: "PATCH", path: "/proxies/{proxy}", handler: updateProxy },
  {
    method: "DELETE",
    path: "/proxies/{proxy}",
    handler: ({ params, collection }) => {
      collection.delete(params.proxy as string);
      return noContent;
    },
  },
  {
    method: "GET",
    path: "/proxies/{proxy}/toxics",
    handler: ({ params, collection }) => {
      const proxy = collection.get(params.proxy as string);
      return json(
        200,
        `[${[...proxy.toxics.upstream, ...proxy.toxics.downstream].map(toxicJson).join(",")}]`,
      );
    },
  },
  {
    method: "POST",
    path: "/proxies/{proxy}/toxics",
    handler: ({ params, body, collection }) => {
      collection.get(params.proxy as string); // 404 before looking at the body
      return json(200, toxicJson(collection.addToxic(params.proxy as string, parseBody(body))));
    },
  },
  {
    method: "GET",
    path: "/proxies/{proxy}/toxics/{toxic}",
    handler: ({ params, collection }) =>
      json(200, toxicJson(collection.getToxic(params.proxy as string, params.toxic as string))),
  },
  { method: "POST", path: "/proxies/{proxy}/toxics/{toxic}", handler: updateToxic },
  { method: "PATCH", path: "/proxies/{proxy}/toxics/{toxic}", handler: updateToxic },
  {
    method: "DELETE",
    path: "/proxies/{proxy}/toxics/{toxic}",
    handler: ({ params, collection }) => {
      collection.removeToxic(params.proxy as string, params.toxic as string);
      return noContent;
    },
  },
  {
    method: "GET",
    path: "/version",
    handler: () => ({
      status: 200,
      json: `{"version": "${TOXIPROXY_VERSION}"}\n`,
      contentType: "application/json;charset=utf-8",
    }),
  },
];

async function updateProxy({ params, body, collection }: Request): Promise<Reply> {
  const proxy = collection.get(params.proxy as string);
  const obj = asObject(parseBody(body), "toxiproxy.Proxy");
  // Fields not given keep their values; a name in the body is ignored (no renames).
  const given = {
    listen: field(obj, "listen", "string", "Proxy.listen") ?? proxy.listen,
    upstream: field(obj, "upstream", "string", "Proxy.upstream") ?? proxy.upstream,
    enabled: field(obj, "enabled", "bool", "Proxy.enabled") ?? proxy.enabled,
  };
  await proxy.update(given);
  return json(200, proxy.toJson());
}

function updateToxic({ params, body, collection }: Request): Reply {
  collection.getToxic(params.proxy as string, params.toxic as string);
  const spec = collection.updateToxic(params.proxy as string, params.toxic as string, parseBody(body));
  return json(200, toxicJson(spec));
}

type Match = { route: Route; params: Record<string, string> } | "not found" | "method not allowed";

function matchPath(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = pattern.split("/");
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const segment = segments[i] as string;
    if (part.startsWith("{")) {
      if (segment === "") return undefined;
      params[part.slice(1, -1)] = segment;
    } else if (part !== segment) return undefined;
  }
  return params;
}

/** What /metrics serves. Toxiproxy routes it only when -proxy-metrics or -runtime-metrics is on. */
export interface MetricsOptions {
  /** the proxy byte counters (-proxy-metrics); absent when they are not collected */
  proxy?: ProxyMetrics;
  /** -runtime-metrics: routes /metrics too; there are no runtime collectors here, so no lines */
  runtime?: boolean;
}

function metricsRoute(metrics: MetricsOptions): Route {
  return {
    method: "*",
    path: "/metrics",
    handler: () => ({ status: 200, text: metrics.proxy?.render() ?? "", contentType: METRICS_CONTENT_TYPE }),
  };
}

function route(table: readonly Route[], method: string, rawPath: string): Match {
  let segments: string[];
  try {
    segments = rawPath.split("/").map(decodeURIComponent);
  } catch {
    return "not found";
  }
  let pathMatched = false;
  for (const r of table) {
    const params = matchPath(r.path, segments);
    if (!params) continue;
    if (r.method === method || r.method === "*") return { route: r, params };
    pathMatched = true;
  }
  return pathMatched ? "method not allowed" : "not found";
}

function sendError(res: ServerResponse, err: ProxyApiError): void {
  // Go's http.Error replaces the JSON content type the handler set.
  res.writeHead(err.status, {
    "Content-Type": "text/plain; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
  });
  res.end(`${JSON.stringify({ error: err.message, status: err.status })}\n`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Builds the request listener of the HTTP API. Requests are handled one at a time, like
 * Toxiproxy's collection lock, so concurrent updates never interleave. /metrics exists only when
 * `metrics` has proxy counters or runtime metrics; otherwise it is an unknown path (404).
 */
export function apiHandler(collection: ProxyCollection, log: ProxyLog, metrics: MetricsOptions = {}) {
  let queue: Promise<unknown> = Promise.resolve();
  const table = metrics.proxy || metrics.runtime ? [...routes, metricsRoute(metrics)] : routes;

  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0] as string;
    const match = route(table, req.method ?? "GET", path);
    if (match === "not found") {
      res.writeHead(404, {
        "Content-Type": "text/plain; charset=utf-8",
        "X-Content-Type-Options": "nosniff",
      });
      res.end("404 page not found\n");
      return;
    }
    if (match === "method not allowed") {
      res.writeHead(405).end();
      return;
    }
    const id = requestId();
    res.setHeader("X-Toxiproxy-Request-Id", id);
    if ((req.headers["user-agent"] ?? "").startsWith("Mozilla/")) {
      res.writeHead(403, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("User agent not allowed\n");
      return;
    }
    const run = async (): Promise<void> => {
      const startedMs = performance.now();
      try {
        const body = await readBody(req);
        const reply = await match.route.handler({ params: match.params, body, collection });
        const text = reply.json ?? reply.text;
        if (text === undefined) res.writeHead(reply.status).end();
        else
          res.writeHead(reply.status, { "Content-Type": reply.contentType ?? "application/json" }).end(text);
      } catch (err) {
        sendError(
          res,
          err instanceof ProxyApiError
            ? err
            : new ProxyApiError(500, String((err as Error).message ?? err), { cause: err }),
        );
      }
      log("debug", "request", {
        request_id: id,
        method: req.method,
        path,
        status: res.statusCode,
        duration_ms: Math.round((performance.now() - startedMs) * 1000) / 1000,
      });
    };
    queue = queue.then(run, run);
  };
}
