import fs from "node:fs";
import path from "node:path";
import type { Verdict } from "../checks/check.ts";
import { runsVerdict } from "../checks/registry.ts";
import { UsageError } from "../errors.ts";
import { writeJunit } from "../report/junit.ts";
import type { VerdictFile } from "../report/write.ts";
import { type OptionSpecs, optionsHelp, parseOptions, reportDirOption } from "./args.ts";
import { type Command, EXIT, exitOf } from "./command.ts";
import { junitOption } from "./outputs.ts";

const OPTIONS: OptionSpecs = {
  junit: { type: "string", help: "write one JUnit XML file for every run found" },
  out: { type: "string", help: "write the merged summary as verdict.json into this folder" },
  json: { type: "boolean", help: 'print one JSON object: {"verdict","runs":[...],"variants":[...]}' },
};

/**
 * Every run's verdict.json under the folders (a run folder, or a root of many), in path order. A
 * run folder holds events.jsonl too; a merged summary (an earlier --out) is not a run and is
 * skipped, and a folder reached twice (named twice, or inside another one named) counts once.
 */
function findVerdicts(dirs: string[]): { dir: string; file: VerdictFile }[] {
  const found: { dir: string; file: VerdictFile }[] = [];
  const seen = new Set<string>();
  const walk = (dir: string) => {
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    const isRun =
      entries.some((e) => e.isFile() && e.name === "verdict.json") &&
      entries.some((e) => e.isFile() && e.name === "events.jsonl");
    if (isRun) {
      let file: VerdictFile;
      try {
        file = JSON.parse(fs.readFileSync(path.join(dir, "verdict.json"), "utf8"));
      } catch (err) {
        throw new UsageError(`${path.join(dir, "verdict.json")} does not parse: ${(err as Error).message}`);
      }
      if (typeof file.scenario === "string" && Array.isArray(file.checks)) found.push({ dir, file });
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name));
  };
  for (const d of dirs) {
    const abs = path.resolve(d);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory())
      throw new UsageError(`no report folder at ${abs}`);
    walk(abs);
  }
  return found;
}

/** Catch rates per variant and scenario, as matrix prints them, from the runs' own verdicts. */
function variantsOf(runs: VerdictFile[]) {
  const rows = new Map<string, Map<string, { runs: number; caught: number; verdicts: Verdict[] }>>();
  for (const r of runs) {
    const v = r.bug ?? "reference";
    const row = rows.get(v) ?? new Map();
    rows.set(v, row);
    const cell = row.get(r.scenario) ?? { runs: 0, caught: 0, verdicts: [] };
    row.set(r.scenario, cell);
    cell.runs += 1;
    cell.verdicts.push(r.verdict);
    if (r.verdict === "fail") cell.caught += 1;
  }
  return [...rows].map(([variant, cells]) => ({
    variant,
    cells: [...cells].map(([scenario, c]) => ({ scenario, ...c })),
    ok:
      variant === "reference"
        ? [...cells.values()].every((c) => c.verdicts.every((x) => x === "pass"))
        : [...cells.values()].some((c) => c.caught === c.runs),
  }));
}

/**
 * `lease-chaos merge DIR...`: joins the report folders of several runs or shards (how a team
 * spreads a catalogue or a soak over CI machines) into one summary, verdict and JUnit file.
 */
export const mergeCommand: Command = {
  name: "merge",
  summary: "join the report folders of shards (run, matrix, soak) into one summary, verdict and JUnit file",
  usage: `usage: lease-chaos merge DIR... [options]\n\n${optionsHelp(OPTIONS)}\n\nexit 0 every run passed (and, with bug variants, each is caught in every run of some scenario), 1 a failure, 2 bad input, 3 unknown`,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, OPTIONS, true);
    if (positionals.length === 0) throw new UsageError("name the report folders to merge");
    const junit = junitOption(values);
    const out =
      typeof values.out === "string" ? reportDirOption({ "report-dir": values.out }, "") : undefined;
    const found = findVerdicts(positionals);
    if (found.length === 0) throw new UsageError(`no verdict.json under ${positionals.join(", ")}`);
    const runs = found.map((f) => ({ ...f.file, reportDir: f.dir }));
    const withBugs = runs.some((r) => r.bug !== null);
    const variants = withBugs ? variantsOf(runs) : [];
    const verdict: Verdict = withBugs
      ? variants.every((v) => v.ok)
        ? "pass"
        : "fail"
      : runsVerdict(runs.map((r) => r.verdict));
    if (junit)
      writeJunit(
        junit,
        runs.map((r) => ({ result: r })),
        "lease-chaos merge",
      );
    const summary = {
      verdict,
      runs: runs.map(({ scenario, bug, seed, verdict: v, reportDir, reproduce }) => ({
        scenario,
        bug,
        seed,
        verdict: v,
        reportDir,
        reproduce,
      })),
      variants,
    };
    if (out) fs.writeFileSync(path.join(out, "verdict.json"), `${JSON.stringify(summary, null, 2)}\n`);
    if (values.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      const log = (line: string) => process.stdout.write(`${line}\n`);
      log(`merge: ${runs.length} run(s) from ${positionals.length} folder(s)`);
      for (const r of runs)
        log(
          `  ${r.verdict.toUpperCase().padEnd(8)} ${r.scenario.padEnd(36)} ${(r.bug ?? "reference").padEnd(28)} seed ${r.seed}`,
        );
      for (const v of variants)
        log(
          `  ${v.ok ? "ok  " : "BAD "} ${v.variant.padEnd(28)} ${v.cells.map((c) => `${c.scenario} ${c.caught}/${c.runs}`).join(", ")}`,
        );
      for (const r of runs.filter((x) => x.verdict !== "pass" && x.bug === null))
        log(`  reproduce: ${r.reproduce}`);
      log(`overall: ${verdict.toUpperCase()}`);
    }
    return withBugs ? (verdict === "pass" ? EXIT.pass : EXIT.fail) : exitOf(verdict);
  },
};
