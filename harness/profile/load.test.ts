import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ProfileError } from "./errors.ts";
import { findConfig, loadProfileFile, parseProfile } from "./load.ts";
import { referenceProfile } from "./reference.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function scratch(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lc-profile-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** The smallest profile that can run: one role, its start, its connection and identity. */
const minimal = () => ({
  roles: {
    jobs: {
      local: { command: "/usr/bin/python3", args: ["worker.py"] },
      env: { DB_PORT: "{{pg.port}}", POD: "{{workloadId}}" },
    },
  },
});

const parse = (input: unknown) => parseProfile(input, "test.json", "/tmp");
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProfileError);
    return (err as Error).message;
  }
  throw new Error("expected a ProfileError");
};

describe("worker profiles", () => {
  it("fills in the runbook's defaults: lease table, JSON log fields, line meanings, two instances", () => {
    const p = parse(minimal());
    expect(p.roles[0]).toMatchObject({
      name: "jobs",
      lease: "jobs",
      ids: ["jobs-a", "jobs-b"],
      takesSafetyMargin: false,
    });
    expect(p.data.leaseTable).toMatchObject({
      table: "coordination_leases",
      columns: { holder: "holder_workload_id", epoch: "fencing_epoch" },
    });
    expect(p.data.lines.leader).toBe("lease state = LEADER");
    expect(p.primaryRole).toBe("jobs");
    expect(p.capabilities).toMatchObject({ effects: false, backlog: false, lineEpoch: true });
  });

  it("names the key path and the value of a wrong type, an unknown key, a bad identifier", () => {
    const bad = { ...minimal(), roles: { jobs: { ...minimal().roles.jobs, instances: "two", colour: 1 } } };
    const msg = errorOf(() => parse(bad));
    expect(msg).toMatch(/roles\.jobs\.instances: .*\(got "two"\)/);
    expect(msg).toMatch(/roles\.jobs: unknown key "colour"/);
    const table = { ...minimal(), leaseTable: { table: "drop table; --" } };
    expect(errorOf(() => parse(table))).toMatch(
      /leaseTable\.table: must be an SQL identifier .*\(got "drop table; --"\)/,
    );
  });

  it("rejects a regex that does not compile, a text pattern without a message group", () => {
    expect(errorOf(() => parse({ ...minimal(), lines: { leader: { regex: "(" } } }))).toMatch(
      /lines\.leader\.regex: "\(" does not compile/,
    );
    const text = { ...minimal(), logs: { format: "text", pattern: "^(?<time>\\S+) (?<msg>.*)$" } };
    expect(errorOf(() => parse(text))).toMatch(/logs\.pattern: .* needs a named group \(\?<message>\.\.\.\)/);
  });

  it("rejects an unknown placeholder, and a role that would not connect through its proxy", () => {
    const typo = {
      roles: { jobs: { ...minimal().roles.jobs, env: { ...minimal().roles.jobs.env, TTL: "{{ttl}}" } } },
    };
    expect(errorOf(() => parse(typo))).toMatch(
      /roles\.jobs\.env\.TTL: unknown placeholder \{\{ttl\}\}.*known: pg\.host/,
    );
    const direct = {
      roles: { jobs: { local: { command: "x" }, env: { POD: "{{workloadId}}", DB: "127.0.0.1:5432" } } },
    };
    expect(errorOf(() => parse(direct))).toMatch(
      /roles\.jobs: nothing in env, files or args uses \{\{pg\.port\}\}/,
    );
  });

  it("knows a config file's placeholders: {{files.NAME}} and {{env.NAME:-default}}", () => {
    const p = parse({
      roles: {
        jobs: {
          local: { command: "{{env.PYTHON:-/usr/bin/python3}}", args: ["worker.py"] },
          files: { "worker.ini": "[db]\nport={{pg.port}}\nid={{workloadId}}\n" },
          env: { JOBS_CONFIG: "{{files.worker.ini}}" },
        },
      },
    });
    expect(p.roles[0]?.files["worker.ini"]).toContain("{{pg.port}}");
  });

  it("loads JSON, and TS modules through defineConfig; a missing file or bad JSON is named", async () => {
    const dir = scratch({
      "lease-chaos.config.json": JSON.stringify(minimal()),
      "bad.json": "{ nope",
      "lease-chaos.config.mjs": `export default ${JSON.stringify(minimal())};`,
    });
    expect(findConfig(dir)).toBe(path.join(dir, "lease-chaos.config.mjs"));
    expect((await loadProfileFile(path.join(dir, "lease-chaos.config.json"))).dir).toBe(dir);
    expect((await loadProfileFile(path.join(dir, "lease-chaos.config.mjs"))).roles).toHaveLength(1);
    await expect(loadProfileFile(path.join(dir, "bad.json"))).rejects.toThrow(/bad\.json: not valid JSON/);
    await expect(loadProfileFile(path.join(dir, "none.json"))).rejects.toThrow(
      /--config .*none\.json: no such file/,
    );
  });

  it('loads a .ts config in a project without "type": "module" (a CommonJS default export)', async () => {
    const dir = scratch({
      "package.json": JSON.stringify({ name: "consumer" }),
      "lease-chaos.config.ts": `const config = ${JSON.stringify(minimal())};\nexport default config;\n`,
    });
    expect((await loadProfileFile(path.join(dir, "lease-chaos.config.ts"))).roles).toHaveLength(1);
  });

  it("loads the reference worker as one profile among others, with every evidence it can give", async () => {
    const p = await referenceProfile();
    expect(p.roles.map((r) => [r.name, r.lease, r.ids])).toEqual([
      ["outbox-forwarder", "outbox-forwarder", ["fwd-a", "fwd-b"]],
      ["ttl-sweeper", "ttl-sweeper", ["sweep-a", "sweep-b"]],
    ]);
    // Its refusals come from its tables, so no refusal line is mapped (each would count twice).
    const { refused, ...mapped } = p.capabilities.lines;
    expect(Object.values(mapped).every(Boolean)).toBe(true);
    expect(refused).toBe(false);
    expect(p.capabilities).toMatchObject({
      effects: true,
      effectEpoch: true,
      uniqueEffects: true,
      refusals: true,
      backlog: true,
    });
    expect(Object.keys(p.data.variants)).toContain("wallclock-deadline");
  });
});
