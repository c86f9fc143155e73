import type Dockerode from "dockerode";
import { describe, expect, it } from "vitest";
import { EnvironmentStartError } from "../errors.ts";
import { waitUntilPublished } from "./run-container.ts";

// A container as the engine reports it over successive inspects (a stand-in for the engine: what
// testcontainers' own 10 s port wait gave up on, and what the provider sees after).
function container(states: Partial<Dockerode.ContainerInspectInfo["State"]>[], ports: boolean[]) {
  let i = 0;
  return {
    inspect: async () => {
      const at = i++;
      const n = Math.min(at, states.length - 1);
      return {
        Id: "c0ffee",
        State: { Running: true, Status: "running", ExitCode: 0, ...states[n] },
        HostConfig: { PortBindings: { "5432/tcp": [{ HostIp: "127.0.0.1" }] } },
        NetworkSettings: {
          Ports: { "5432/tcp": ports[Math.min(at, ports.length - 1)] ? [{ HostPort: "49153" }] : [] },
        },
      } as unknown as Dockerode.ContainerInspectInfo;
    },
    logs: async () => {
      const text = Buffer.from("FATAL: no password\n");
      const header = Buffer.alloc(8);
      header.writeUInt8(2, 0);
      header.writeUInt32BE(text.length, 4);
      return Buffer.concat([header, text]);
    },
  } as unknown as Pick<Dockerode.Container, "inspect" | "logs">;
}

const timeout = new Error(
  "Timed out after 10000ms while waiting for container ports to be bound to the host",
);
const opts = (timeoutMs: number) => ({
  what: "Postgres (postgres:16, container lease-chaos-r1-postgres)",
  t0: performance.now(),
  timeoutMs,
  failure: timeout,
  pollMs: 5,
});

describe("a container start that testcontainers gave up on", () => {
  it("goes on waiting to the provider's deadline: ports published late are a start", async () => {
    expect(await waitUntilPublished(container([{}], [false, false, true]), opts(5_000))).toBe("c0ffee");
  });

  it("that never publishes its ports is an environment error (exit 3) naming the container", async () => {
    const err = await waitUntilPublished(container([{}], [false]), opts(50)).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentStartError);
    expect(err.code).toBe("E_ENV_START");
    expect(err.message).toMatch(
      /^Postgres \(postgres:16, container lease-chaos-r1-postgres\) did not publish its ports after \d+ ms \(a busy or stuck engine\): Timed out after 10000ms/,
    );
    expect(err.cause).toBe(timeout);
  });

  it("that exited says so, with its exit code and logs", async () => {
    const err = await waitUntilPublished(
      container([{ Running: false, Status: "exited", ExitCode: 1 }], [false]),
      opts(5_000),
    ).catch((e) => e);
    expect(err.message).toBe(
      "Postgres (postgres:16, container lease-chaos-r1-postgres) exited during start: exit code 1; its logs:\nFATAL: no password",
    );
  });

  it("that the engine never created is named too", async () => {
    const gone = {
      inspect: async () => Promise.reject(new Error("no such container")),
      logs: async () => Buffer.alloc(0),
    };
    const err = await waitUntilPublished(gone as never, opts(5_000)).catch((e) => e);
    expect(err).toBeInstanceOf(EnvironmentStartError);
    expect(err.message).toMatch(/container lease-chaos-r1-postgres\) did not start after \d+ ms: Timed out/);
  });
});
