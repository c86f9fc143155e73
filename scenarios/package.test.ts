// The path a user takes: the package is packed, and a scratch project outside the repository is
// set up as docs/ci.md says (npm init -y, type module, the tarball and vitest installed; its
// tsconfig.json, vitest.config.ts, gate script and test file taken from the docs as written). It
// type-checks with strict and no skipLibCheck, its gate script runs, and its own Vitest files run
// scenarios with the `lease-chaos/vitest` fixture and matchers, importing nothing but the package.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { scenarioFile } from "../harness/explore/finding.ts";
import { parseSchedule } from "../harness/explore/schedule.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-consumer-"));
// A folder name npm init -y takes as the package name as it is.
const scratch = path.join(tmp, "consumer");
fs.mkdirSync(scratch);
const versionOf = (pkg: string) =>
  JSON.parse(fs.readFileSync(path.join(REPO, "node_modules", pkg, "package.json"), "utf8")).version as string;
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The files docs/ci.md gives a consumer project, each marked `<!-- consumer: NAME -->` before its block. */
function docsFiles(): Map<string, string> {
  const text = fs.readFileSync(path.join(REPO, "docs/ci.md"), "utf8");
  const files = new Map<string, string>();
  for (const m of text.matchAll(/<!-- consumer: (\S+) -->\n```\w*\n([\s\S]*?)```/g))
    files.set(m[1] as string, m[2] as string);
  return files;
}

const sh = (command: string, args: string[]) => {
  const r = spawnSync(command, args, { cwd: scratch, encoding: "utf8", timeout: 240_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
};

const CONSUMER_TEST = `
import { bringUp, defineScenario, healAndRead, identifyLeader, pauseBetweenBatches, waitForTakeover } from "lease-chaos";
import { expect, test } from "lease-chaos/vitest";
import { describe } from "vitest";

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

describe("an environment of my own", () => {
  test.override({ environmentOptions: { seed: 5 } });
  test("starts on the local provider and is stopped after", async ({ environment }) => {
    expect(environment.provider).toBe("local");
    expect(environment.workerIds()).toEqual([]);
  });
});
`;

// Compiles only if the types are right: a misspelt check id must not, knob values may be numbers.
const TYPES_CHECK = `
import { type CheckId, runScenario, scenarios } from "lease-chaos";
import { expect } from "lease-chaos/vitest";

declare const result: Awaited<ReturnType<typeof runScenario>>;
const id: CheckId = "single-leader";
expect(result).toHaveCheckVerdict(id, "pass");
// @ts-expect-error: a misspelt check id does not compile
expect(result).toHaveCheckVerdict("single-leadr", "pass");
// @ts-expect-error: nor does one in a scenario's checks
const checks: CheckId[] = ["single-leadr"];
void checks;
void runScenario(scenarios[0] as (typeof scenarios)[number], { ttlMs: 2_000, bug: null, set: { latencyMs: 900, jitterMs: "0" } });
`;

describe("the packed package in a project of its own", () => {
  const docs = docsFiles();
  beforeAll(() => {
    // npm pack runs prepack: the build to dist/.
    const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", tmp], {
      cwd: REPO,
      encoding: "utf8",
    });
    const tarball = path.join(tmp, out.trim().split("\n").at(-1) as string);
    // The docs' setup, line by line: the package from the tarball, the rest at the repo's versions
    // (so that npm's cache has them).
    const pinned: Record<string, string> = {
      "lease-chaos": tarball,
      vitest: `vitest@${versionOf("vitest")}`,
      typescript: `typescript@${versionOf("typescript")}`,
      "@types/node": `@types/node@${versionOf("@types/node")}`,
    };
    for (const line of (docs.get("setup.sh") ?? "").split("\n")) {
      const words = line.replace(/#.*$/, "").trim().split(/\s+/).filter(Boolean);
      if (words[0] !== "npm") continue;
      const args = words.slice(1).map((w) => pinned[w] ?? w);
      if (args[0] === "install") args.push("--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error");
      sh("npm", args);
    }
    for (const [name, text] of docs)
      if (name !== "setup.sh") fs.writeFileSync(path.join(scratch, name), text);
    fs.writeFileSync(path.join(scratch, "drill.test.ts"), CONSUMER_TEST);
    fs.writeFileSync(path.join(scratch, "types-check.ts"), TYPES_CHECK);
  }, 300_000);

  test("is set up as the docs say: type module, the package and vitest installed, their files written", () => {
    expect([...docs.keys()].sort()).toEqual(
      ["gate.js", "setup.sh", "slow-replica.test.ts", "tsconfig.json", "vitest.config.ts"].sort(),
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(scratch, "package.json"), "utf8"));
    expect(pkg.type).toBe("module");
    expect(Object.keys(pkg.devDependencies ?? {})).toEqual(
      expect.arrayContaining(["lease-chaos", "vitest", "typescript", "@types/node"]),
    );
  });

  test("type-checks with strict and no skipLibCheck, without @types/pg; a misspelt check id does not compile", () => {
    const config = JSON.parse(fs.readFileSync(path.join(scratch, "tsconfig.json"), "utf8"));
    expect(config.compilerOptions.strict).toBe(true);
    expect(config.compilerOptions.skipLibCheck).toBeUndefined();
    expect(fs.existsSync(path.join(scratch, "node_modules/@types/pg"))).toBe(false);
    const tsc = spawnSync(path.join(scratch, "node_modules/.bin/tsc"), ["-p", "."], {
      cwd: scratch,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
    // The check: the same file with a misspelt id and no expectation of an error fails.
    fs.writeFileSync(
      path.join(scratch, "types-check.ts"),
      TYPES_CHECK.replace("// @ts-expect-error: a misspelt check id does not compile\n", ""),
    );
    const bad = spawnSync(path.join(scratch, "node_modules/.bin/tsc"), ["-p", "."], {
      cwd: scratch,
      encoding: "utf8",
      timeout: 120_000,
    });
    fs.writeFileSync(path.join(scratch, "types-check.ts"), TYPES_CHECK);
    expect(bad.stdout).toMatch(/types-check\.ts.*error TS2345: Argument of type '"single-leadr"'/);
  }, 200_000);

  test("the docs' gate script runs the drill and exits 0", () => {
    const gate = spawnSync(process.execPath, ["gate.js"], {
      cwd: scratch,
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(gate.stdout, gate.stderr).toMatch(/^pause-drill: pass \(.*reports\/api\/pause-drill\)\n/);
    expect(gate.status).toBe(0);
  }, 150_000);

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

  test("its own Vitest files run scenarios of its own and the docs' with the fixture and matchers", () => {
    const run = spawnSync(path.join(scratch, "node_modules/.bin/vitest"), ["run", "--reporter=verbose"], {
      cwd: scratch,
      encoding: "utf8",
      timeout: 240_000,
      env: { ...process.env, CI: "" },
    });
    expect(run.stdout + run.stderr).toMatch(/5 passed/);
    expect(run.status).toBe(0);
    // The reports of passing tests are gone.
    const reports = path.join(scratch, "reports/vitest");
    expect(
      fs.existsSync(reports)
        ? fs.readdirSync(reports).flatMap((d) => fs.readdirSync(path.join(reports, d)))
        : [],
    ).toEqual([]);
  }, 260_000);

  test("an explore finding's exported scenario file runs there as written: it fails on the bug, passes once fixed", () => {
    // The file explore writes beside finding.json, for a finding against the reference worker's
    // cached-leader variant (a leader paused past its lease, as the drill does).
    const schedule = parseSchedule({
      faults: [{ fault: "pause", target: "leader", at: { event: "batch-started" }, durationMs: 3_000 }],
    });
    const finding = {
      kind: "lease-chaos-finding" as const,
      check: "no-batch-after-local-expiry",
      shape: "pause/leader/batch-started",
      seed: 11,
      ttlMs: 2_000,
      profile: { name: "reference", source: "built-in" },
      provider: "local",
      bug: "cached-leader",
      original: schedule,
      schedule,
      shrink: { steps: 0, candidates: 0, runs: 0, minimal: true, neighbours: [], cutShort: false },
      confidence: { failed: 3, tries: 3 },
      evidence: { detail: "", violations: [] },
      foundAfterMs: 0,
      reproduce: "",
    } as unknown as Parameters<typeof scenarioFile>[0];
    const dir = path.join(scratch, "findings");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "no-batch-after-local-expiry.test.ts");
    const vitest = () =>
      spawnSync(path.join(scratch, "node_modules/.bin/vitest"), ["run", "findings", "--reporter=verbose"], {
        cwd: scratch,
        encoding: "utf8",
        timeout: 200_000,
        env: { ...process.env, CI: "", FORCE_COLOR: "0", NO_COLOR: "1" },
      });
    try {
      const source = scenarioFile(finding, null);
      fs.writeFileSync(file, source);
      const failing = vitest();
      expect(failing.stdout + failing.stderr).toMatch(
        /explore finding: no-batch-after-local-expiry under pause\/leader\/batch-started/,
      );
      expect(failing.stdout + failing.stderr).toMatch(
        /got fail:\n[\s\S]*fail\s+no-batch-after-local-expiry: /,
      );
      expect(failing.status).toBe(1);
      // The team fixes its worker: the same file without the variant passes.
      fs.writeFileSync(file, source.replace(/\n\s*bug: "cached-leader",/, ""));
      const fixed = vitest();
      expect(fixed.stdout + fixed.stderr).toMatch(/1 passed/);
      expect(fixed.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 420_000);
});
