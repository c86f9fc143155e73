import type { Toxic } from "toxiproxy-node-client";
import type { StartedEnvironment } from "../env/provider.ts";

/** A toxic's direction, as Toxiproxy names it: upstream = worker to Postgres. */
export type Stream = "upstream" | "downstream";

/** Adds one toxic to a worker's proxy through the Toxiproxy API (ours or the real one). */
export async function addToxic(
  env: StartedEnvironment,
  worker: string,
  toxic: { name: string; type: string; stream: Stream; attributes: Record<string, number> },
): Promise<Toxic<unknown>> {
  const proxy = await env.proxies.proxy(worker);
  // biome-ignore lint/suspicious/noExplicitAny: the client's ToxicType union lacks some of Toxiproxy's types
  return proxy.addToxic({ ...toxic, toxicity: 1 } as any);
}

/** Removes a toxic by name; a toxic that is already gone is fine (heal is idempotent), any other error is not. */
export async function removeToxic(env: StartedEnvironment, worker: string, name: string): Promise<void> {
  const proxy = await env.proxies.proxy(worker);
  try {
    await (await proxy.getToxic(name)).remove();
  } catch (err) {
    // toxiproxy-node-client reports only "Request failed with status code N".
    if (!/status code 404/.test((err as Error).message)) throw err;
  }
}
