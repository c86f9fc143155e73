import type { Run } from "./run.ts";
import type { Scenario } from "./scenario.ts";

/** What a scenario needs at least: a name and its steps; everything else has a default. */
export type ScenarioInput = Pick<Scenario, "name" | "steps"> & Partial<Omit<Scenario, "name" | "steps">>;

/**
 * A scenario of your own, for runScenario or the `lease-chaos/vitest` fixture: a name and steps
 * (built from the exported steps and faults); the summary defaults to the name, the lower bound to 0.
 */
export function defineScenario(input: ScenarioInput): Scenario {
  if (typeof input?.name !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(input.name))
    throw new TypeError(
      `defineScenario: name must be lower-case letters, digits and -, got ${JSON.stringify(input?.name)}`,
    );
  if (typeof input.steps !== "function")
    throw new TypeError(
      `defineScenario(${input.name}): steps must be a function of the run, got ${typeof input.steps}`,
    );
  return { summary: input.name, lowerBoundMs: () => 0, ...input, steps: (run: Run) => input.steps(run) };
}
