// Figures for the matrix: the first release's 7 bug variants (and the reference) on its 13
// scenarios, every cell once, one at a time or side by side (BENCH_JOBS, default 2); the wall time
// against the 8-minute target, and whether any verdict differs from what the cell must give.
// Figures only; nothing is asserted. Runs the CLI as a user would.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FIRST_SCENARIOS, FIRST_VARIANTS } from "./first-release.ts";

const BIN = fileURLToPath(new URL("../bin/lease-chaos.js", import.meta.url));
const JOBS = process.env.BENCH_JOBS ?? "2";
const VARIANTS = ["reference", ...FIRST_VARIANTS];
const SCENARIOS = FIRST_SCENARIOS;

const root = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-bench-matrix-"));
console.log(
  `lease-chaos matrix bench: ${os.cpus().length} cores, ${VARIANTS.length - 1} variants and the reference on ${SCENARIOS.length} scenarios (${VARIANTS.length * SCENARIOS.length} cells), --jobs ${JOBS}`,
);
const t0 = performance.now();
const r = spawnSync(
  process.execPath,
  [
    BIN,
    "matrix",
    "--variants",
    VARIANTS.join(","),
    "--scenarios",
    SCENARIOS.join(","),
    "--jobs",
    JOBS,
    "--seed",
    process.env.BENCH_SEED ?? "1",
    "--report-dir",
    root,
    "--json",
  ],
  { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
);
const wallMs = performance.now() - t0;
fs.rmSync(root, { recursive: true, force: true });
let summary = "";
try {
  const doc = JSON.parse(r.stdout) as {
    verdict: string;
    rows: {
      variant: string;
      cells: { scenario: string; verdicts?: string[]; caught?: number; runs?: number }[];
    }[];
  };
  summary = `matrix verdict ${doc.verdict}`;
} catch {
  summary = `matrix exited ${r.status}; ${r.stderr.split("\n").slice(-3).join(" ")}`;
}
console.log(`${summary}; exit ${r.status}`);
console.log(
  `wall time ${(wallMs / 60_000).toFixed(1)} min (target < 8 min; more than 10 min in the first release)`,
);
process.exit(0);
