import path from "node:path";
import { BUG_NAMES } from "../../fixtures/workers/bugs.ts";
import { catches, scenarios } from "../../scenarios/index.ts";
import type { Verdict } from "../checks/check.ts";
import { PROVIDERS } from "../env/start-environment.ts";
import { UsageError } from "../errors.ts";
import { newSeed } from "../random.ts";
import { runScenario } from "../run/run-scenario.ts";
import { choiceOption, intOption, type OptionSpecs, optionsHelp, parseOptions } from "./args.ts";
import { type Command, EXIT } from "./command.ts";

const OPTIONS: OptionSpecs = {
  quick: {
    type: "boolean",
    help: "run each bug only on the scenarios expected to catch it (the reference on all)",
  },
  scenarios: { type: "string", help: "comma-separated scenarios to run (default: all)" },
  seed: { type: "string", help: "seed of every run (logged)" },
  "ttl-ms": { type: "string", help: "lease ttl, default 2000" },
  provider: { type: "string", help: `where the runs happen: ${PROVIDERS.join(", ")} (default local)` },
  "report-dir": { type: "string", help: "root folder of the reports (default reports/matrix-<time>)" },
  json: { type: "boolean", help: 'print one JSON object: {"verdict","rows":[{"variant","caught","runs"}]}' },
};

/** One cell of the matrix. */
interface Cell {
  scenario: string;
  verdict: Verdict;
  /** the checks that failed (or were unknown) */
  checks: string[];
  reportDir: string;
}

const REFERENCE = "reference";

/** `lease-chaos matrix`: every worker variant through the scenarios; which scenario and check catches each. */
export const matrixCommand: Command = {
  name: "matrix",
  summary: "run the reference worker and every bug variant through the scenarios; show what catches each",
  usage: `usage: lease-chaos matrix [options]\n\n${optionsHelp(OPTIONS)}\n\nexit 0 when the reference passes everywhere and every bug is caught, 1 otherwise`,
  async run(argv) {
    const { values } = parseOptions(argv, OPTIONS);
    const names = scenarios.map((s) => s.name);
    const only = typeof values.scenarios === "string" ? values.scenarios.split(",").filter(Boolean) : names;
    for (const n of only)
      if (!names.includes(n))
        throw new UsageError(`unknown scenario ${JSON.stringify(n)}; valid: ${names.join(", ")}`);
    const seed = intOption(values, "seed", { min: 0, max: 2 ** 31 - 1 }) ?? newSeed();
    const ttlMs = intOption(values, "ttl-ms", { min: 500, max: 600_000 }) ?? 2_000;
    const root = path.resolve(
      (values["report-dir"] as string | undefined) ?? path.join("reports", `matrix-${Date.now()}`),
    );
    const provider = choiceOption(values, "provider", PROVIDERS) ?? "local";
    const json = values.json === true;
    const log = (line: string) => (json ? process.stderr : process.stdout).write(`${line}\n`);
    log(`matrix: seed ${seed}, ttl ${ttlMs} ms, provider ${provider}, reports in ${root}`);

    const rows: { variant: string; runs: Cell[]; caught: string[] }[] = [];
    for (const variant of [REFERENCE, ...BUG_NAMES]) {
      const expected = new Set((catches[variant] ?? []).map((c) => c.scenario));
      const chosen = scenarios.filter(
        (s) => only.includes(s.name) && (!values.quick || variant === REFERENCE || expected.has(s.name)),
      );
      const runs: Cell[] = [];
      for (const scenario of chosen) {
        const result = await runScenario(scenario, {
          ttlMs,
          bug: variant === REFERENCE ? null : variant,
          seed,
          provider,
          reportDir: path.join(root, variant, scenario.name),
        });
        const bad = result.checks.filter((c) => c.verdict !== "pass").map((c) => c.id);
        runs.push({
          scenario: scenario.name,
          verdict: result.verdict,
          checks: [...bad, ...(result.reasons.length ? ["run"] : [])],
          reportDir: result.reportDir,
        });
        log(
          `  ${variant.padEnd(28)} ${scenario.name.padEnd(30)} ${result.verdict.toUpperCase()}${bad.length ? ` (${bad.join(", ")})` : ""}`,
        );
      }
      const caught = runs
        .filter((r) => r.verdict === "fail")
        .map((r) => `${r.scenario}/${r.checks.join("+")}`);
      rows.push({ variant, runs, caught });
    }

    const reference = rows[0];
    const referenceClean = reference?.runs.every((r) => r.verdict === "pass") ?? false;
    const uncaught = rows
      .slice(1)
      .filter((r) => r.caught.length === 0)
      .map((r) => r.variant);
    const ok = referenceClean && uncaught.length === 0;
    if (json) {
      process.stdout.write(`${JSON.stringify({ verdict: ok ? "pass" : "fail", seed, ttlMs, rows })}\n`);
    } else {
      log("");
      log("variant                       caught by (scenario/check)");
      for (const row of rows) {
        const text =
          row.variant === REFERENCE
            ? referenceClean
              ? `all ${row.runs.length} scenarios pass`
              : `NOT CLEAN: ${row.runs
                  .filter((r) => r.verdict !== "pass")
                  .map((r) => `${r.scenario}/${r.verdict}`)
                  .join(", ")}`
            : row.caught.length
              ? row.caught.join(", ")
              : "NOT CAUGHT";
        log(`${row.variant.padEnd(30)}${text}`);
      }
      log("");
      log(
        ok
          ? "every bug variant is caught; the reference worker passes everywhere"
          : `matrix FAILED${uncaught.length ? `: not caught: ${uncaught.join(", ")}` : ""}`,
      );
    }
    return ok ? EXIT.pass : EXIT.fail;
  },
};
