import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { describe, expect, test } from "vitest";
import { EnvironmentStartError } from "../errors.ts";
import { startPostgres } from "./postgres.ts";

const ownDirs = () =>
  fs
    .readdirSync(os.tmpdir())
    .filter((n) => n.startsWith("lease-chaos-pg-"))
    .filter((n) => {
      try {
        return (
          fs.readFileSync(path.join(os.tmpdir(), n, "lease-chaos.owner"), "utf8") === String(process.pid)
        );
      } catch {
        return false;
      }
    });

describe("embedded Postgres", () => {
  test("starts on a free loopback port, answers, and stop removes its data directory", async () => {
    const postgres = await startPostgres();
    try {
      expect(fs.existsSync(postgres.dataDir)).toBe(true);
      const client = new pg.Client(postgres.endpoint);
      await client.connect();
      const { rows } = await client.query("SELECT 1 AS one");
      expect(rows[0].one).toBe(1);
      await client.end();
    } finally {
      await postgres.stop();
    }
    expect(fs.existsSync(postgres.dataDir)).toBe(false);
  });

  test("a server that cannot start fails with a clear message and its log tail, leaving nothing behind", async () => {
    const before = ownDirs();
    const error = await startPostgres({ flags: ["-c", "no_such_setting=1"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentStartError);
    expect((error as Error).message).toMatch(
      /Postgres failed to start \(server\) after \d+ ms on port \d+: .*; log tail:/,
    );
    expect((error as Error).message).toContain("no_such_setting");
    expect(ownDirs()).toEqual(before);
  });
});
