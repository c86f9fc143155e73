// lease-chaos: the one public entry. Everything a team needs to run the catalogue on its own
// worker, write its own scenario, or re-check a stored run; nothing here reaches inside a module.

export type { CatalogueEntry } from "../scenarios/index.ts";
export { catalogue, catches, scenarios } from "../scenarios/index.ts";
export {
  bringUp,
  healAndRead,
  holdFault,
  identifyLeader,
  inject,
  leaderFaultScenario,
  pauseAfterEffect,
  pauseAtItem,
  pauseBetweenBatches,
  slowItems,
  takeoverLowerBoundMs,
  waitForTakeover,
} from "../scenarios/steps.ts";
export type { Check, CheckResult, Coverage, Verdict, Violation } from "./checks/check.ts";
export { FULL_CAPABILITIES } from "./checks/context.ts";
export type { CheckId } from "./checks/registry.ts";
export { checkIds, checks, runChecks, summarizeMetrics, worstVerdict } from "./checks/registry.ts";
export type { Term } from "./checks/terms.ts";
export { deriveTerms, termsOf } from "./checks/terms.ts";
export type {
  ClockSetting,
  DbEndpoint,
  StartedEnvironment,
  WorkerLaunch,
  WorkerState,
} from "./env/provider.ts";
export type { EnvironmentOptions } from "./env/public.ts";
export { startEnvironment } from "./env/public.ts";
export { LeaseChaosError, UsageError } from "./errors.ts";
export type { ExploreOptions, ExploreSummary } from "./explore/campaign.ts";
export { explore } from "./explore/campaign.ts";
export type { Finding } from "./explore/finding.ts";
export type { PrimitiveSpec } from "./explore/primitives.ts";
export { PRIMITIVE_SPECS } from "./explore/primitives.ts";
export type { Firing } from "./explore/runner.ts";
export { scheduleScenario } from "./explore/runner.ts";
export type { FaultEvent, Primitive, Schedule, ScheduleInput, TargetRole } from "./explore/schedule.ts";
export { describeEvent, PRIMITIVES, parseSchedule } from "./explore/schedule.ts";
export { blackhole } from "./faults/blackhole.ts";
export { clockFault } from "./faults/clock.ts";
export type { Fault, FaultContext } from "./faults/fault.ts";
export { latency } from "./faults/latency.ts";
export { processKill } from "./faults/process-kill.ts";
export { processPause } from "./faults/process-pause.ts";
export { processRestart } from "./faults/process-restart.ts";
export { processStop } from "./faults/process-stop.ts";
export { proxyDown } from "./faults/proxy-down.ts";
export { zombie } from "./faults/zombie.ts";
export type {
  BacklogSample,
  Effect,
  Evidence,
  EvidenceEvent,
  FaultWindow,
  LeaseChange,
  LineKind,
  PremiseResult,
  ProcessEvent,
  RefusedEffect,
  RunMeta,
  StepEvent,
  TrafficSample,
  WallMs,
  WorkerLog,
  WorkerSpec,
} from "./observe/evidence.ts";
export { ProfileError } from "./profile/errors.ts";
export { defineConfig, loadProfileFile, parseProfile } from "./profile/load.ts";
export type { Capabilities, Profile, ProfileRole } from "./profile/profile.ts";
export { referenceProfile } from "./profile/reference.ts";
export type { ProfileInput } from "./profile/schema.ts";
export { renderTimeline } from "./report/timeline.ts";
export type { VerdictFile } from "./report/write.ts";
export { readEvidence, writeReport } from "./report/write.ts";
export type { ScenarioInput } from "./run/define-scenario.ts";
export { defineScenario } from "./run/define-scenario.ts";
export type { PremiseId } from "./run/premises.ts";
export { evaluatePremises, PREMISE_IDS } from "./run/premises.ts";
export type { ActiveFault, Progress, Run } from "./run/run.ts";
export type { RunResult, RunScenarioOptions } from "./run/run-scenario.ts";
export { runScenario } from "./run/run-scenario.ts";
export type { Scenario } from "./run/scenario.ts";
export type { Timings } from "./run/timing.ts";
export { timingsFor } from "./run/timing.ts";
