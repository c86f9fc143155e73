import { catalogue } from "../../scenarios/index.ts";
import { checks } from "../checks/registry.ts";
import type { StartedEnvironment, WorkerLaunch } from "../env/provider.ts";
import { PROVIDERS, startEnvironment } from "../env/start-environment.ts";
import { appName } from "../observe/activity.ts";
import { lineParser } from "../observe/adapters/log-line.ts";
import { withLineRefusals } from "../observe/adapters/refusal-line.ts";
import type { EvidenceEvent, LineKind, WorkerLog } from "../observe/evidence.ts";
import { Observer } from "../observe/observer.ts";
import { Recorder } from "../observe/recorder.ts";
import type { Profile, ProfileRole } from "../profile/profile.ts";
import { newSeed } from "../random.ts";
import { applicability, skipReason } from "../run/applicability.ts";
import { timingsFor, timingValues } from "../run/timing.ts";
import { type OptionSpecs, optionsHelp, parseOptions } from "./args.ts";
import { type Command, EXIT } from "./command.ts";
import { providerOption, sharedOptions, ttlOption } from "./options.ts";
import { profileFromOption } from "./profile-option.ts";

const OPTIONS: OptionSpecs = {
  ...sharedOptions(["config", "ttl-ms", "provider"], {
    "ttl-ms": "lease ttl the workers are told, default 2000",
    provider: `where the worker runs: ${PROVIDERS.join(", ")} (default local)`,
  }),
  "no-clock-probe": {
    type: "boolean",
    help: "do not try the primary role under libfaketime (the clock scenarios' clocks)",
  },
};

const KINDS: LineKind[] = [
  "leader",
  "standby",
  "batch-started",
  "item-started",
  "expired-locally",
  "lease-lost",
  "refused",
];
const PROFILE_KEY: Record<LineKind, string> = {
  leader: "leader",
  standby: "standby",
  "batch-started": "batchStarted",
  "item-started": "itemStarted",
  "expired-locally": "expiredLocally",
  "lease-lost": "leaseLost",
  refused: "refused",
};

/** One finding: ok, a warning (partial evidence) or a problem (no drill can give a verdict). */
type Finding = { level: "ok" | "warn" | "fail"; text: string };

/**
 * `lease-chaos doctor`: starts Postgres and one instance of each role of a profile, watches them
 * for a few ttl, and says what works: the process, its lines, the meanings seen, the leader line
 * against the lease row, the work SQL; then which checks can judge fully, partly or not at all.
 */
export const doctorCommand: Command = {
  name: "doctor",
  summary:
    "try a worker profile: start one instance per role, show what parses, what is seen, what the checks can judge",
  usage: `usage: lease-chaos doctor [--config FILE] [options]\n\n${optionsHelp(OPTIONS)}\n\nexit 0 when a drill can give a verdict on this worker and some scenario can run, 2 otherwise`,
  async run(argv) {
    const { values } = parseOptions(argv, OPTIONS);
    const profile = await profileFromOption(values.config);
    const ttlMs = ttlOption(values);
    const provider = providerOption(values);
    const log = (line: string) => process.stdout.write(`${line}\n`);
    log(`doctor: profile ${profile.name} (${profile.source}), ttl ${ttlMs} ms, provider ${provider}`);
    const findings = await examine(profile, ttlMs, provider, log, values["no-clock-probe"] !== true);
    log("");
    for (const f of findings)
      log(`  ${f.level === "ok" ? "ok  " : f.level === "warn" ? "warn" : "FAIL"}  ${f.text}`);
    log("");
    log("what the checks can judge with this profile:");
    for (const c of checks) {
      const cov = c.coverage(profile.capabilities);
      const how = !cov.possible ? "not at all" : cov.notJudged.length ? "partly" : "fully";
      log(`  ${how.padEnd(11)} ${c.id.padEnd(30)} ${cov.judged.join(", ") || "-"}`);
      for (const n of cov.notJudged) log(`  ${"".padEnd(11)} ${"".padEnd(30)} missing: ${n}`);
    }
    log("");
    log("what each scenario of the catalogue does with this profile (as run --all and matrix do):");
    const entries = catalogue(profile);
    let running = 0;
    for (const e of entries) {
      const a = applicability(e.scenario, profile, e.lease);
      if (a.status !== "skipped") running += 1;
      const how = a.status === "degraded" ? "degraded" : a.status;
      log(`  ${how.padEnd(9)} ${e.name}${a.status === "skipped" ? `: ${skipReason(a)}` : ""}`);
      if (a.status === "degraded") for (const d of a.degraded) log(`  ${"".padEnd(9)}   not as usual: ${d}`);
    }
    log(
      `  ${running} of ${entries.length} run (${entries.length - running} skipped: they count for nothing in a verdict)`,
    );
    const ok = !findings.some((f) => f.level === "fail") && running > 0;
    log("");
    log(
      ok
        ? "a drill can give a verdict on this worker"
        : running === 0
          ? "no scenario can run on this profile: see skipped above"
          : "a drill cannot give a verdict on this worker yet: see FAIL above",
    );
    return ok ? EXIT.pass : EXIT.usage;
  },
};

async function examine(
  profile: Profile,
  ttlMs: number,
  provider: (typeof PROVIDERS)[number],
  log: (l: string) => void,
  clockProbe: boolean,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const recorder = new Recorder();
  let env: StartedEnvironment | null = null;
  let observer: Observer | null = null;
  const t = timingsFor(ttlMs);
  try {
    const chosen = await startEnvironment({
      provider,
      sink: withLineRefusals(recorder.record),
      seed: newSeed(),
      profile,
      say: log,
    });
    env = chosen.env;
    log(chosen.ready);
    observer = await Observer.connect(env.observerDb, profile);
    const obs = observer;
    const sqlStep = async (what: string, fn: () => Promise<unknown>) => {
      try {
        const r = await fn();
        findings.push({ level: "ok", text: `${what}${typeof r === "string" ? `: ${r}` : ""}` });
        return true;
      } catch (err) {
        findings.push({ level: "fail", text: `${what}: ${(err as Error).message}` });
        return false;
      }
    };
    if (!(await sqlStep("schema", () => obs.applySchema()))) return findings;
    const migrates = profile.data.schema.migratesItself !== undefined;
    if (
      !migrates &&
      !(await sqlStep("journal triggers on the profile's tables", () => obs.observe(recorder.record)))
    )
      return findings;
    for (const role of profile.roles) {
      const id = role.ids[0] as string;
      const started = await sqlStep(`${role.name}: started ${id}`, () =>
        (env as StartedEnvironment).startWorker(launchOf(profile, role, t)),
      );
      if (!started) return findings;
    }
    if (
      migrates &&
      !(await sqlStep("the worker's own migration", async () => {
        await obs.waitForTables();
        await obs.observe(recorder.record);
      }))
    )
      return findings;
    for (const role of profile.roles) {
      if (role.work.enqueue)
        await sqlStep(`${role.name}: work.enqueue (5 items)`, () => obs.enqueue(role.name, 5));
      else
        findings.push({
          level: "warn",
          text: `${role.name}: no work.enqueue: the harness gives it no work, and backlog checks judge whatever it finds`,
        });
    }
    // A few ttl: long enough to lead, work and renew.
    const until = Date.now() + 3 * ttlMs;
    await waitUntil(until, () => profile.roles.every((r) => done(recorder.events, r)));
    await obs.flush();
    for (const role of profile.roles)
      findings.push(
        ...judgeRole(role, profile, recorder.events, await obs.leaseRow(role.lease).catch(() => null)),
      );
    if (profile.roles.some((r) => r.work.backlog))
      await sqlStep("work.backlog queries", async () => {
        const s = await obs.sampleBacklog();
        return Object.entries(s.byLease)
          .map(([l, n]) => `${l} ${n}`)
          .join(", ");
      });
    const primary = profile.roles.find((r) => r.name === profile.primaryRole) as ProfileRole;
    if (clockProbe && primary.clockFaults !== "none" && !findings.some((f) => f.level === "fail"))
      findings.push(...(await probeClocks(env, recorder, profile, primary, t, log)));
  } catch (err) {
    findings.push({ level: "fail", text: (err as Error).message });
  } finally {
    await observer?.close({ uninstall: env?.attached === true });
    await env?.stop();
  }
  return findings;
}

function done(events: EvidenceEvent[], role: ProfileRole): boolean {
  const id = role.ids[0];
  const effect = role.work.effects.length === 0 || events.some((e) => e.kind === "effect" && e.worker === id);
  const leader = events.some((e) => e.kind === "worker-log" && e.worker === id && e.means === "leader");
  return effect && leader;
}

async function waitUntil(deadline: number, ready: () => boolean): Promise<void> {
  while (Date.now() < deadline && !ready()) await new Promise((r) => setTimeout(r, 50));
}

function judgeRole(
  role: ProfileRole,
  profile: Profile,
  events: EvidenceEvent[],
  row: Awaited<ReturnType<Observer["leaseRow"]>>,
): Finding[] {
  const id = role.ids[0] as string;
  const out: Finding[] = [];
  const lines = events.filter((e): e is WorkerLog => e.kind === "worker-log" && e.worker === id);
  const exit = events.find((e) => e.kind === "process" && e.worker === id && e.event === "exit");
  if (exit && exit.kind === "process")
    out.push({
      level: "fail",
      text: `${id} exited (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}); its last lines:\n${(
        exit.outputTail ?? []
      )
        .slice(-10)
        .map((l) => `          ${l}`)
        .join("\n")}`,
    });
  const unparsed = lines.filter((l) => l.parsed === false);
  if (lines.length === 0) out.push({ level: "fail", text: `${id} printed nothing on ${role.logs.stream}` });
  else if (unparsed.length === lines.length)
    out.push({
      level: "fail",
      text: `none of ${id}'s ${lines.length} lines parse as logs.format ${role.logs.format}; the first:\n${unparsed
        .slice(0, 3)
        .map((l) => `          ${l.msg}`)
        .join("\n")}`,
    });
  else if (unparsed.length > 0)
    out.push({
      level: "warn",
      text: `${unparsed.length} of ${id}'s ${lines.length} lines do not parse; the first:\n${unparsed
        .slice(0, 3)
        .map((l) => `          ${l.msg}`)
        .join("\n")}`,
    });
  else out.push({ level: "ok", text: `all ${lines.length} lines of ${id} parse` });
  const seen = new Set(lines.map((l) => l.means).filter((m): m is LineKind => m !== undefined));
  const mapped = KINDS.filter(
    (k) => profile.data.lines[PROFILE_KEY[k] as keyof typeof profile.data.lines] !== null,
  );
  out.push({
    level: seen.has("leader") || !mapped.includes("leader") ? "ok" : "fail",
    text: `meanings seen from ${id}: ${[...seen].join(", ") || "none"}${mapped.filter((k) => !seen.has(k)).length ? `; mapped but not seen yet: ${mapped.filter((k) => !seen.has(k)).join(", ")} (expired-locally and lease-lost show up under faults)` : ""}`,
  });
  for (const kind of KINDS) {
    const sample = lines.find((l) => l.means === kind);
    if (!sample) continue;
    const { message: _m, msg: _g, ...fields } = sample.line as Record<string, unknown>;
    out.push({
      level: "ok",
      text: `${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind} line of ${id} read as message ${JSON.stringify(sample.msg)}, fields ${JSON.stringify(fields)}${sample.epoch !== undefined ? `, epoch ${sample.epoch}` : ""}${sample.items ? `, items ${sample.items.join(",")}` : sample.item !== undefined ? `, item ${sample.item}` : ""}`,
    });
  }
  const claim = lines.filter((l) => l.means === "leader").at(-1);
  if (!row?.holder)
    out.push({
      level: "fail",
      text: `${role.lease}: the lease row names no holder (leaseTable ${profile.data.leaseTable.table})`,
    });
  else if (row.holder !== id)
    out.push({ level: "fail", text: `${role.lease}: the lease row names ${row.holder}, not ${id}` });
  else if (
    claim &&
    claim.epoch !== undefined &&
    profile.data.leaseTable.columns.epoch !== null &&
    claim.epoch !== row.epoch
  )
    out.push({
      level: "warn",
      text: `${id}'s leader line says epoch ${claim.epoch}, the lease row ${row.epoch} (a renewal between them?)`,
    });
  else
    out.push({
      level: "ok",
      text: `${role.lease}: the lease row names ${id} (epoch ${row.epoch})${claim ? ", as its leader line says" : ""}`,
    });
  for (const t of role.work.effects) {
    const n = events.filter((e) => e.kind === "effect" && e.type === (t.name ?? t.table)).length;
    out.push({
      level: n > 0 ? "ok" : "warn",
      text: `${role.name}: effects ${t.name ?? t.table}: ${n} journaled`,
    });
  }
  if (role.work.effects.length === 0)
    out.push({
      level: "warn",
      text: `${role.name}: no work.effects: fenced-effects-within-term and no-duplicate-delivery cannot judge it`,
    });
  return out;
}

/** How doctor starts a role's first instance (under libfaketime with `clockFaults`). */
function launchOf(
  profile: Profile,
  role: ProfileRole,
  t: ReturnType<typeof timingsFor>,
  clockFaults?: "wall" | "all",
): WorkerLaunch {
  const id = role.ids[0] as string;
  return {
    spec: { id, leaseName: role.lease, role: role.name, bug: null },
    role,
    values: {
      ...timingValues(t),
      workloadId: id,
      leaseName: role.lease,
      role: role.name,
      bug: "",
      configDir: profile.dir,
    },
    variantEnv: { PGAPPNAME: appName(id) },
    parser: lineParser(role.logs, profile.data.lines),
    ...(clockFaults ? { clockFaults } : {}),
  };
}

/**
 * The clock scenarios start the target's workers under libfaketime (clocks at +0 until the fault).
 * Some runtimes do not survive it (Python 3.11 wedges with its monotonic clock faked, and its
 * time.sleep fails with it real): restart the primary role's instance that way, once per mode the
 * profile claims, and see that it leads and works again within 3 ttl.
 */
async function probeClocks(
  env: StartedEnvironment,
  recorder: Recorder,
  profile: Profile,
  role: ProfileRole,
  t: ReturnType<typeof timingsFor>,
  log: (l: string) => void,
): Promise<Finding[]> {
  const id = role.ids[0] as string;
  const modes: ("all" | "wall")[] = role.clockFaults === "all" ? ["all", "wall"] : ["wall"];
  const out: Finding[] = [];
  for (const mode of modes) {
    log(`trying ${id} under libfaketime (${mode === "all" ? "wall and monotonic clocks" : "wall clock"})`);
    await env.stopWorker(id);
    const from = Date.now();
    try {
      await env.startWorker(launchOf(profile, role, t, mode));
    } catch (err) {
      out.push({ level: "warn", text: `${id} under libfaketime (${mode}): ${(err as Error).message}` });
      continue;
    }
    const worked = (e: EvidenceEvent) =>
      (e.kind === "effect" && e.worker === id && e.ts >= from) ||
      (e.kind === "worker-log" &&
        e.worker === id &&
        e.ts >= from &&
        (e.means === "batch-started" || e.means === "item-started"));
    const died = (e: EvidenceEvent) =>
      e.kind === "process" && e.worker === id && e.event === "exit" && !e.expected && e.ts >= from;
    await waitUntil(from + 3 * t.ttlMs, () => recorder.events.some((e) => worked(e) || died(e)));
    const exit = recorder.events.find(died);
    if (recorder.events.some(worked)) {
      out.push({ level: "ok", text: `${id} works under libfaketime (${mode})` });
      continue;
    }
    const tail =
      exit?.kind === "process"
        ? `it exited (${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}); its last lines:\n${(
            exit.outputTail ?? []
          )
            .slice(-6)
            .map((l) => `          ${l}`)
            .join("\n")}`
        : `it did no work within ${3 * t.ttlMs} ms (wedged?)`;
    const fix = mode === "all" && role.clockFaults === "all" ? "wall or none" : "none";
    out.push({
      level: "warn",
      text: `${id} does not run under libfaketime (${mode}): ${tail}\n          set roles.${role.name}.clockFaults to ${fix}; until then the clock scenarios end unknown (docs/faults.md: clock faults and runtimes)`,
    });
  }
  await env.stopWorker(id).catch(() => {});
  return out;
}
