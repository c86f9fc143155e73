import type { Evidence, ProcessEvent, RunMeta, WorkerLog } from "../observe/evidence.ts";
import type { Check, CheckResult, Violation } from "./check.ts";
import { sinceStart } from "./format.ts";
import { isWorkStart } from "./logs.ts";
import { fail, pass, unknown } from "./result.ts";
import { ofKind } from "./select.ts";
import { type Grant, type Term, termOf, termsOf } from "./terms.ts";

const ID = "no-inherited-term";

/** A renew still in flight when its process died may commit a moment later; grants past this are the new process's. */
function inFlightSlackMs(meta: RunMeta): number {
  return Math.max(100, Math.round(meta.ttlMs / 10));
}

/**
 * A process leads only under a term it acquired itself: a restart with the same identity, or a
 * second process of it (a lingering zombie), must not resume a term that began before it started.
 * Judged on (a) its leader and work lines, attributed per process, and (b) the lease history: a
 * grant of an older term, made while a later process of the holder ran, after every process that
 * could have made it had exited.
 */
export const noInheritedTerm: Check = {
  id: ID,
  description:
    "no process of W claims, works under or renews a term (W, e) that started before the process did; lines are attributed per process, grants after the older processes exited",
  coverage(caps) {
    const judged = ["process starts and exits", "lease history"];
    const notJudged: string[] = [];
    if (caps.lines.leader || caps.lines.batchStarted || caps.lines.itemStarted)
      judged.push("leader and work lines per process");
    else notJudged.push("rule a: no leader or work line is mapped");
    return { judged, notJudged, possible: true };
  },
  run,
};

interface Instance {
  worker: string;
  instance: number;
  start: number;
  exit: number | null;
}

function instancesOf(evidence: Evidence): Instance[] {
  const list: Instance[] = [];
  for (const p of ofKind(evidence, "process") as ProcessEvent[]) {
    if (p.event === "start" && !p.attached)
      list.push({ worker: p.worker, instance: p.instance ?? 1, start: p.ts, exit: null });
    if (p.event === "exit") {
      const i = list.find(
        (x) => x.worker === p.worker && x.instance === (p.instance ?? 1) && x.exit === null,
      );
      if (i) i.exit = p.ts;
    }
  }
  return list;
}

function run(evidence: Evidence): CheckResult {
  if (ofKind(evidence, "lease-change").length === 0) return unknown(ID, "no lease history recorded");
  const { meta } = evidence;
  const terms = termsOf(evidence);
  const instances = instancesOf(evidence);
  const violations: Violation[] = [];
  const seen = new Set<string>();
  const lines = ofKind(evidence, "worker-log").filter((l) => l.means === "leader" || isWorkStart(l));
  for (const line of lines) {
    const inst = instances.find((i) => i.worker === line.worker && i.instance === line.instance);
    if (!inst) continue;
    const term = termFor(line, terms);
    if (!term || term.start >= inst.start) continue;
    const key = `${line.worker}/${line.instance}/${term.epoch}`;
    if (seen.has(key)) continue;
    seen.add(key);
    violations.push({
      worker: line.worker,
      instance: line.instance,
      epoch: term.epoch,
      ts: line.ts,
      termStart: term.start,
      processStart: inst.start,
      lines: [line.line],
      message: `process ${line.instance} of ${line.worker} (started ${sinceStart(meta, inst.start)}) ${line.means === "leader" ? `logged ${JSON.stringify(line.msg)}` : "started work"} at ${sinceStart(meta, line.ts)} under epoch ${term.epoch}, acquired at ${sinceStart(meta, term.start)} before it started: leadership without a fresh acquire`,
    });
  }
  const slack = inFlightSlackMs(meta);
  for (const term of terms) {
    const older = instances.filter((i) => i.worker === term.holder && i.start <= term.start);
    if (older.length === 0 || older.some((i) => i.exit === null)) continue;
    const gone = Math.max(...older.map((i) => i.exit as number));
    // Only a later process of the holder, running at the grant, can have resumed the term. A grant
    // with none running came from a statement of a process already dead (an acquire or renew that
    // waited on a lock while its client was killed, committed when the lock went): nobody inherited.
    const laterRunning = (at: number) =>
      instances.some(
        (i) =>
          i.worker === term.holder && i.start > term.start && i.start <= at && (i.exit ?? Infinity) >= at,
      );
    // A grant whose statement says it began (its renewed_at) before the old process was gone is
    // that process's, committed late (it waited on a lock): trusted within a ttl of the commit.
    const oldStatement = (g: Grant) =>
      g.statedAt !== undefined && g.statedAt <= gone + slack && g.at - g.statedAt <= meta.ttlMs;
    const grant = term.grants.find((g) => g.at > gone + slack && laterRunning(g.at) && !oldStatement(g));
    if (!grant) continue;
    const key = `${term.holder}/db/${term.epoch}`;
    if ([...seen].some((k) => k.startsWith(`${term.holder}/`) && k.endsWith(`/${term.epoch}`))) continue;
    seen.add(key);
    violations.push({
      worker: term.holder,
      epoch: term.epoch,
      ts: grant.at,
      termStart: term.start,
      message: `${term.holder}'s epoch ${term.epoch} (acquired ${sinceStart(meta, term.start)}) was renewed at ${sinceStart(meta, grant.at)}, ${Math.round(grant.at - gone)} ms after every process that acquired it had exited: a later process resumed it without a fresh acquire`,
    });
  }
  const restarted = instances.filter((i) => i.instance > 1).length;
  const metrics = { processesChecked: instances.length, laterProcesses: restarted };
  if (violations.length > 0)
    return fail(
      ID,
      violations.sort((a, b) => (a.ts ?? 0) - (b.ts ?? 0)),
      metrics,
    );
  return pass(
    ID,
    restarted === 0
      ? `${instances.length} process(es), none started after another of its id (nothing could inherit a term)`
      : `${restarted} later process(es) of a workload id led only under terms they acquired`,
    metrics,
  );
}

function termFor(line: WorkerLog, terms: Term[]): Term | undefined {
  if (line.epoch !== undefined) return termOf(terms, line.leaseName, line.worker, line.epoch, line.ts);
  return terms.find(
    (t) =>
      t.leaseName === line.leaseName && t.holder === line.worker && t.start <= line.ts && line.ts < t.end,
  );
}
