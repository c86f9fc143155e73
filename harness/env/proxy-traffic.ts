// Bytes each Toxiproxy proxy delivered, read from the Prometheus text of GET /metrics (a real
// Toxiproxy started with -proxy-metrics, or our fault proxy with --proxy-metrics).
// Caveats of the figures: a real Toxiproxy adds a connection's bytes only once the connection has
// closed (ours counts them as they pass); both keep a deleted proxy's series, so a name's figures
// cover every proxy that ever had that name since the server started.

const SENT = "toxiproxy_proxy_sent_bytes_total";

/** Bytes a proxy delivered: to the upstream (client -> server) and to the client (server -> client). */
export interface ProxyTraffic {
  upstream: number;
  downstream: number;
}

/** One sample line: metric name, labels and value; undefined when the line is not one. */
function parseSample(line: string): { name: string; labels: Map<string, string>; value: number } | undefined {
  let i = 0;
  const n = line.length;
  const skipSpace = (): void => {
    while (i < n && (line[i] === " " || line[i] === "\t")) i++;
  };
  const readQuoted = (): string | undefined => {
    // at the opening quote; escapes of the text format: \\ \" \n
    i++;
    let out = "";
    while (i < n) {
      const c = line[i++] as string;
      if (c === '"') return out;
      if (c === "\\" && i < n) {
        const e = line[i++] as string;
        out += e === "n" ? "\n" : e;
      } else out += c;
    }
    return undefined;
  };
  const readName = (): string => {
    const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line.slice(i));
    i += m ? m[0].length : 0;
    return m ? m[0] : "";
  };

  skipSpace();
  let name = readName();
  skipSpace();
  const labels = new Map<string, string>();
  if (line[i] === "{") {
    i++;
    for (;;) {
      skipSpace();
      if (line[i] === "}") {
        i++;
        break;
      }
      const key = line[i] === '"' ? readQuoted() : readName();
      if (key === undefined || key === "") return undefined;
      skipSpace();
      if (line[i] === "=") {
        i++;
        skipSpace();
        if (line[i] !== '"') return undefined;
        const value = readQuoted();
        if (value === undefined) return undefined;
        labels.set(key, value);
      } else if (name === "") {
        name = key; // a quoted metric name inside the braces (UTF-8 names)
      } else return undefined;
      skipSpace();
      if (line[i] === ",") i++;
      else if (line[i] !== "}") return undefined;
    }
  }
  if (name === "") return undefined;
  skipSpace();
  const value = Number(/^\S+/.exec(line.slice(i))?.[0] ?? "");
  return Number.isFinite(value) ? { name, labels, value } : undefined;
}

/** Sums `toxiproxy_proxy_sent_bytes_total` of Prometheus text per proxy name and direction. */
export function parseProxyTraffic(text: string): Map<string, ProxyTraffic> {
  const traffic = new Map<string, ProxyTraffic>();
  for (const raw of text.split("\n")) {
    const line = raw.trimStart();
    if (!line.startsWith(SENT) && !line.startsWith("{")) continue; // comments, other metrics
    const sample = parseSample(line.endsWith("\r") ? line.slice(0, -1) : line);
    if (!sample || sample.name !== SENT) continue;
    const proxy = sample.labels.get("proxy");
    const direction = sample.labels.get("direction");
    if (proxy === undefined || (direction !== "upstream" && direction !== "downstream")) continue;
    let entry = traffic.get(proxy);
    if (!entry) {
      entry = { upstream: 0, downstream: 0 };
      traffic.set(proxy, entry);
    }
    // A proxy re-created on another port (or re-pointed) has one series per listen/upstream: summed.
    entry[direction] += sample.value;
  }
  return traffic;
}

/** Bytes delivered per proxy name and direction; null if /metrics is off (404), fails or times out. */
export async function readProxyTraffic(
  apiUrl: string,
  timeoutMs = 1000,
): Promise<Map<string, ProxyTraffic> | null> {
  try {
    const res = await fetch(`${apiUrl.replace(/\/+$/, "")}/metrics`, {
      // the text format, never protobuf or OpenMetrics, whatever the server's negotiation prefers
      headers: { Accept: "text/plain;version=0.0.4" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return null;
    }
    return parseProxyTraffic(await res.text());
  } catch {
    return null; // refused, reset, timed out (the signal also bounds reading the body)
  }
}
