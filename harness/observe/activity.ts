// Samples each worker's database activity in evidence any worker leaves: the bytes through its own
// fault proxy (Toxiproxy's /metrics) and its sessions' latest statement in pg_stat_activity. A worker
// whose connection is wedged after a fault shows neither, whatever it logs.
import { readProxyTraffic } from "../env/proxy-traffic.ts";
import { proxyName } from "../env/worker-proxies.ts";
import type { TrafficSample } from "./evidence.ts";
import type { Observer } from "./observer.ts";

/** The application_name the harness gives every worker's libpq sessions (PGAPPNAME). */
export const appName = (key: string): string => `lease-chaos:${key}`;

/** True when a session's application_name is worker `id`'s: ours, or a name of its own carrying its id. */
export function belongsTo(applicationName: string, id: string): boolean {
  if (applicationName === appName(id)) return true;
  return applicationName.split(/[^\w.-]+/).includes(id);
}

/** Takes one sample of every worker's activity. */
export async function sampleActivity(
  observer: Observer,
  proxiesUrl: string | null,
  workers: string[],
  nameOf: (worker: string) => string = proxyName,
): Promise<TrafficSample[]> {
  const ts = Date.now();
  const [traffic, sessions] = await Promise.all([
    proxiesUrl ? readProxyTraffic(proxiesUrl, 500).catch(() => null) : Promise.resolve(null),
    observer
      .query(
        `SELECT application_name, (extract(epoch FROM max(query_start)) * 1000)::float8 AS last
         FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
         GROUP BY application_name`,
      )
      .then((r) => r.rows as { application_name: string; last: number | null }[])
      .catch(() => []),
  ]);
  return workers.map((id) => {
    const t = traffic?.get(nameOf(id));
    const last = Math.max(
      ...sessions
        .filter((s) => s.last !== null && belongsTo(s.application_name ?? "", id))
        .map((s) => Number(s.last)),
    );
    return {
      kind: "traffic",
      ts,
      worker: id,
      ...(t ? { bytes: t.upstream + t.downstream } : {}),
      ...(Number.isFinite(last) ? { lastStatementAt: last } : {}),
    };
  });
}
