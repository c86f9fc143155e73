import { Toxiproxy } from "toxiproxy-node-client";
import { test as base } from "vitest";
import { type StartedProxyServer, startProxyServer } from "./index.ts";
import { type EchoServer, startEcho } from "./test-helpers.ts";

/** Vitest fixtures: a started server (fixed seed), its client, and an echo upstream, each cleaned up. */
export const test = base.extend<{ server: StartedProxyServer; toxiproxy: Toxiproxy; echo: EchoServer }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies by destructuring
  server: async ({}, use) => {
    const server = await startProxyServer({ port: 0, seed: 42 });
    await use(server);
    await server.stop();
  },
  toxiproxy: async ({ server }, use) => {
    await use(new Toxiproxy(server.url));
  },
  // biome-ignore lint/correctness/noEmptyPattern: as above
  echo: async ({}, use) => {
    const echo = await startEcho();
    await use(echo);
    await echo.close();
  },
});
