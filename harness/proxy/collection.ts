import {
  invalidAttributes,
  invalidStream,
  invalidToxicType,
  missingField,
  ProxyApiError,
  proxyExists,
  proxyNotFound,
  toxicExists,
  toxicNotFound,
} from "./api-error.ts";
import { asObject, field } from "./decode.ts";
import { FaultProxy, type ProxyServices } from "./proxy.ts";
import type { Direction, ToxicSpec } from "./toxic-spec.ts";
import { toxicKinds } from "./toxics/registry.ts";
import type { Attributes, ToxicKind } from "./toxics/toxic.ts";

/** A proxy as a create or populate request gives it. */
export interface ProxyInput {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

/** Decodes one proxy object of a create/populate body (Go's lenient decoding, enabled defaults to true). */
export function decodeProxyInput(body: unknown, goValueType = "toxiproxy.Proxy"): ProxyInput {
  const obj = asObject(body, goValueType);
  return {
    name: field(obj, "name", "string", "Proxy.name") ?? "",
    listen: field(obj, "listen", "string", "Proxy.listen") ?? "",
    upstream: field(obj, "upstream", "string", "Proxy.upstream") ?? "",
    enabled: field(obj, "enabled", "bool", "Proxy.enabled") ?? true,
  };
}

/** Outcome of a populate: the proxies processed so far, and the error that stopped it, if any. */
export interface PopulateResult {
  proxies: FaultProxy[];
  error?: ProxyApiError;
}

function parseDirection(stream: string): Direction | undefined {
  const lower = stream.toLowerCase();
  return lower === "upstream" || lower === "downstream" ? lower : undefined;
}

function decodeAttributes(kind: ToxicKind, raw: unknown, base: Attributes): Attributes {
  const attrs: Attributes = { ...base };
  if (raw === undefined || raw === null) return attrs;
  const obj = asObject(raw, `toxics.${kind.goStruct}`);
  for (const [key, type] of Object.entries(kind.attributes)) {
    const value = field(obj, key, type, `${kind.goStruct}.attributes.${key}`);
    if (value !== undefined) attrs[key] = value;
  }
  const problem = kind.validate(attrs);
  if (problem) throw invalidAttributes(problem);
  return attrs;
}

function attributeValue(obj: Record<string, unknown>): unknown {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === "attributes");
  return key === undefined ? undefined : obj[key];
}

/** Every proxy of a server by name, and the operations of the API on them. */
export class ProxyCollection {
  private readonly proxies = new Map<string, FaultProxy>();

  constructor(private readonly services: ProxyServices) {}

  /** All proxies, in creation order. */
  all(): FaultProxy[] {
    return [...this.proxies.values()];
  }

  /** The named proxy, or a 404. */
  get(name: string): FaultProxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw proxyNotFound();
    return proxy;
  }

  /** Creates (and starts, when enabled) a proxy; nothing is added if starting fails. */
  async create(input: ProxyInput, where = ""): Promise<FaultProxy> {
    if (input.name === "") throw missingField("name", where);
    if (input.upstream === "") throw missingField("upstream", where);
    if (this.proxies.has(input.name)) throw proxyExists();
    const proxy = new FaultProxy(input.name, input, this.services);
    if (input.enabled) await proxy.start();
    this.proxies.set(input.name, proxy);
    return proxy;
  }

  /** Stops and removes a proxy. */
  delete(name: string): void {
    this.get(name).stop();
    this.proxies.delete(name);
  }

  /**
   * Populate: validates every entry first (nothing is created on a missing field), then keeps an
   * identical existing proxy untouched, replaces a differing one, creates new ones; stops at the
   * first runtime error keeping what was already processed.
   */
  async populate(inputs: ProxyInput[]): Promise<PopulateResult> {
    inputs.forEach((input, i) => {
      if (input.name === "") throw missingField("name", ` at proxy ${i + 1}`);
      if (input.upstream === "") throw missingField("upstream", ` at proxy ${i + 1}`);
    });
    const proxies: FaultProxy[] = [];
    try {
      for (const input of inputs) {
        const existing = this.proxies.get(input.name);
        if (existing && !(await existing.differs(input))) {
          proxies.push(existing);
          continue;
        }
        if (existing) this.delete(input.name);
        proxies.push(await this.create(input));
      }
    } catch (err) {
      if (err instanceof ProxyApiError) return { proxies, error: err };
      throw err;
    }
    return { proxies };
  }

  /** Reset: every proxy enabled again and stripped of its toxics (proxies and ports stay). */
  async reset(): Promise<void> {
    for (const proxy of this.all()) {
      await proxy.start();
      proxy.removeAllToxics();
    }
  }

  /** Adds a toxic from a create body, with Toxiproxy's defaults and validation order. */
  addToxic(proxyName: string, body: unknown): ToxicSpec {
    const proxy = this.get(proxyName);
    const obj = asObject(body, "toxics.ToxicWrapper");
    const stream = field(obj, "stream", "string", "ToxicWrapper.stream") || "downstream";
    const type = field(obj, "type", "string", "ToxicWrapper.type") ?? "";
    const toxicity = field(obj, "toxicity", "float32", "ToxicWrapper.toxicity") ?? 1;
    const name = field(obj, "name", "string", "ToxicWrapper.name") || `${type}_${stream}`;
    const direction = parseDirection(stream);
    if (!direction) throw invalidStream();
    const kind = toxicKinds.get(type);
    if (!kind) throw invalidToxicType();
    if (proxy.toxic(name)) throw toxicExists();
    const zero = Object.fromEntries(Object.keys(kind.attributes).map((k) => [k, 0]));
    const attributes = decodeAttributes(kind, attributeValue(obj), zero);
    const spec: ToxicSpec = {
      name,
      type,
      stream,
      direction,
      toxicity: Math.fround(toxicity),
      attributes,
      kind,
    };
    proxy.addToxic(spec);
    return spec;
  }

  /** The named toxic of a proxy, or a 404. */
  getToxic(proxyName: string, toxicName: string): ToxicSpec {
    const spec = this.get(proxyName).toxic(toxicName);
    if (!spec) throw toxicNotFound();
    return spec;
  }

  /** Partial merge: only the attributes given change, toxicity only when given; live stages restart. */
  updateToxic(proxyName: string, toxicName: string, body: unknown): ToxicSpec {
    const proxy = this.get(proxyName);
    const spec = this.getToxic(proxyName, toxicName);
    const obj = asObject(body, "toxics.ToxicWrapper");
    const toxicity = field(obj, "toxicity", "float32", "ToxicWrapper.toxicity");
    const attributes = decodeAttributes(spec.kind, attributeValue(obj), spec.attributes);
    spec.attributes = attributes;
    if (toxicity !== undefined) spec.toxicity = Math.fround(toxicity);
    proxy.updatedToxic(spec);
    return spec;
  }

  /** Removes a toxic (synchronously from open connections). */
  removeToxic(proxyName: string, toxicName: string): void {
    const proxy = this.get(proxyName);
    proxy.removeToxic(this.getToxic(proxyName, toxicName));
  }

  /** Stops every proxy (server shutdown). */
  stopAll(): void {
    for (const proxy of this.proxies.values()) proxy.stop();
  }

  /** Connections open across every proxy. */
  openConnections(): number {
    let n = 0;
    for (const proxy of this.proxies.values()) n += proxy.openConnections;
    return n;
  }
}
