// The path a user takes: the package is packed, the tarball installed into a scratch project outside
// the repository, and that project's own Vitest file runs a scenario of its own with the
// `lease-chaos/vitest` fixture and matchers, importing nothing but the package's entries.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-consumer-"));
const vitestVersion = JSON.parse(
  fs.readFileSync(path.join(REPO, "node_modules/vitest/package.json"), "utf8"),
).version;
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const CONSUMER_TEST = `
import { bringUp, defineScenario, healAndRead, identifyLeader, pauseBetweenBatches, waitForTakeover } from "lease-chaos";
import { expect, test } from "lease-chaos/vitest";

// A team's own scenario: the runbook's pause drill, written from the exported steps.
const myDrill = defineScenario({
  name: "my-pause-drill",
  premises: ["target-term-ended", "lease-changed-hands"],
  async steps(run) {
    await bringUp(run);
    const leader = await identifyLeader(run);
    const pause = await pauseBetweenBatches(run, leader.holder, "pause the leader between batches");
    await waitForTakeover(run, leader);
    await healAndRead(run, pause, leader.holder);
  },
});

test("the reference worker passes my drill", async ({ leaseChaos }) => {
  expect(await leaseChaos.run(myDrill, { seed: 3 })).toPassEveryCheck();
});

test("a cached gate fails it", async ({ leaseChaos }) => {
  const result = await leaseChaos.run(myDrill, { seed: 3, bug: "cached-leader" });
  expect(result).toHaveCheckVerdict("no-batch-after-local-expiry", "fail");
  expect(result).toHaveVerdict("fail");
});
`;

describe("the packed package in a project of its own", () => {
  let tarball = "";
  beforeAll(() => {
    // npm pack runs prepack: the build to dist/.
    const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", scratch], {
      cwd: REPO,
      encoding: "utf8",
    });
    tarball = path.join(scratch, out.trim().split("\n").at(-1) as string);
    fs.writeFileSync(
      path.join(scratch, "package.json"),
      JSON.stringify({
        name: "consumer",
        private: true,
        type: "module",
        devDependencies: { "lease-chaos": `file:${tarball}`, vitest: vitestVersion },
      }),
    );
    const install = spawnSync(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
      {
        cwd: scratch,
        encoding: "utf8",
        timeout: 240_000,
      },
    );
    if (install.status !== 0) throw new Error(`npm install of the tarball failed: ${install.stderr}`);
    fs.writeFileSync(path.join(scratch, "drill.test.ts"), CONSUMER_TEST);
    // Scenarios take seconds: a consumer sets Vitest's timeout, as the README says.
    fs.writeFileSync(
      path.join(scratch, "vitest.config.ts"),
      'import { defineConfig } from "vitest/config";\nexport default defineConfig({ test: { testTimeout: 60_000, fileParallelism: false } });\n',
    );
  }, 300_000);

  test("imports on Node 20 without a TypeScript loader: the entry, its types and the bin", () => {
    const names = execFileSync(
      process.execPath,
      [
        "-e",
        "import('lease-chaos').then(m => console.log(Object.keys(m).length, typeof m.runScenario, typeof m.defineScenario))",
      ],
      {
        cwd: scratch,
        encoding: "utf8",
      },
    );
    expect(names.trim()).toMatch(/^\d+ function function$/);
    expect(fs.existsSync(path.join(scratch, "node_modules/lease-chaos/dist/harness/index.d.ts"))).toBe(true);
    expect(fs.existsSync(path.join(scratch, "node_modules/lease-chaos/dist/harness/cli/main.ts"))).toBe(
      false,
    );
    const version = spawnSync(path.join(scratch, "node_modules/.bin/lease-chaos"), ["--version"], {
      encoding: "utf8",
    });
    expect(version.stdout.trim()).toMatch(/^lease-chaos \d+\.\d+\.\d+/);
  });

  test("its own Vitest file runs a scenario of its own with the fixture and matchers", () => {
    const run = spawnSync(path.join(scratch, "node_modules/.bin/vitest"), ["run", "--reporter=verbose"], {
      cwd: scratch,
      encoding: "utf8",
      timeout: 180_000,
      env: { ...process.env, CI: "" },
    });
    expect(run.stdout + run.stderr).toMatch(/2 passed/);
    expect(run.status).toBe(0);
    // The reports of passing tests are gone.
    const reports = path.join(scratch, "reports/vitest");
    expect(
      fs.existsSync(reports)
        ? fs.readdirSync(reports).flatMap((d) => fs.readdirSync(path.join(reports, d)))
        : [],
    ).toEqual([]);
  }, 200_000);
});
