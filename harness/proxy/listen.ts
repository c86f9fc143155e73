import { lookup } from "node:dns/promises";
import { isIP, isIPv6 } from "node:net";
import { internal, type ProxyApiError } from "./api-error.ts";

/** A host:port split as Go's net.SplitHostPort splits it. */
export interface HostPort {
  host: string;
  port: string;
}

/** Splits "host:port" / "[v6]:port", with Go's error texts; throws a 500 ProxyApiError. */
export function splitHostPort(address: string): HostPort {
  const fail = (why: string): ProxyApiError => internal(`address ${address}: ${why}`);
  const colon = address.lastIndexOf(":");
  if (colon < 0) throw fail("missing port in address");
  if (address.startsWith("[")) {
    const close = address.indexOf("]");
    if (close < 0) throw fail("missing ']' in address");
    if (close + 1 === address.length) throw fail("missing port in address");
    if (close + 1 !== colon) throw fail("too many colons in address");
    return { host: address.slice(1, close), port: address.slice(colon + 1) };
  }
  const host = address.slice(0, colon);
  if (host.includes(":")) throw fail("too many colons in address");
  if (host.includes("[") || host.includes("]")) throw fail("unexpected '[' in address");
  return { host, port: address.slice(colon + 1) };
}

/** Formats an address as Go's TCPAddr.String does. */
export function joinHostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A listen address after TCP resolution: the IP (or "" for all interfaces) and the port. */
export interface ResolvedAddress {
  host: string;
  port: number;
  /** Go's TCPAddr.String(): "127.0.0.1:7070", "[::1]:0", ":0" */
  text: string;
}

/** Resolves a listen address like net.ResolveTCPAddr (IPv4 first for names); throws a 500 ProxyApiError. */
export async function resolveListen(listen: string): Promise<ResolvedAddress> {
  // Go resolves an empty address to "all interfaces, any port".
  const { host, port: portText } = listen === "" ? { host: "", port: "" } : splitHostPort(listen);
  let port = 0;
  if (portText !== "") {
    if (!/^\d+$/.test(portText) || Number(portText) > 65535) {
      throw internal(`lookup tcp/${portText}: unknown port`);
    }
    port = Number(portText);
  }
  let ip = host;
  if (host !== "" && isIP(host) === 0) {
    try {
      ip = (await lookup(host, { family: 4 })).address;
    } catch {
      try {
        ip = (await lookup(host)).address;
      } catch (err) {
        throw internal(`lookup ${host}: no such host`, err);
      }
    }
  }
  return { host: ip, port, text: ip === "" ? `:${port}` : joinHostPort(ip, port) };
}

/** True for the addresses Go binds dual-stack on every interface and reports as [::]. */
export function isWildcard(host: string): boolean {
  return host === "" || host === "0.0.0.0" || host === "::";
}

/** Go's wording of a bind failure, e.g. "bind: address already in use". */
export function bindErrorText(err: NodeJS.ErrnoException): string {
  const byCode: Record<string, string> = {
    EADDRINUSE: "bind: address already in use",
    EACCES: "bind: permission denied",
    EADDRNOTAVAIL: "bind: cannot assign requested address",
  };
  return byCode[err.code ?? ""] ?? err.message;
}
