import type { Evidence, FaultWindow } from "../observe/evidence.ts";
import type { Check, CheckResult, Violation } from "./check.ts";
import { sinceStart } from "./format.ts";
import { fail, pass, unknown } from "./result.ts";
import { ofKind } from "./select.ts";
import { termsOf } from "./terms.ts";

const ID = "no-needless-failover";

/**
 * Liveness under faults a correct system rides out (latency well inside the renew budget): the
 * lease does not change hands and its holder does not lapse. An election that flaps under a slow
 * replica is an outage too. Judged on fault windows a scenario marks tolerable, until ttlMs after,
 * and only while no other fault is on (a composed schedule may overlap one that is not tolerable:
 * then a failover may be that one's doing).
 */
export const noNeedlessFailover: Check = {
  id: ID,
  description:
    "during a tolerable fault on a holder and ttlMs after it, its lease keeps its holder and epoch, and the holder logs no local expiry or lease loss",
  applies: (evidence) => ofKind(evidence, "fault").some((f) => f.tolerable === true),
  coverage(caps) {
    const judged = ["lease history"];
    const notJudged: string[] = [];
    if (caps.lines.expiredLocally || caps.lines.leaseLost)
      judged.push("expired-locally and lease-lost lines");
    else notJudged.push("a lapse without a change of holder: lines.expiredLocally is not mapped");
    return { judged, notJudged, possible: true };
  },
  run,
};

function run(evidence: Evidence): CheckResult {
  if (ofKind(evidence, "lease-change").length === 0) return unknown(ID, "no lease history recorded");
  const faults = ofKind(evidence, "fault");
  const all = faults.filter((f) => f.tolerable === true);
  const tolerable = all.filter((f) => !overlapsOther(f, faults, evidence.meta));
  if (all.length > 0 && tolerable.length === 0)
    return pass(
      ID,
      `${all.length} tolerable fault(s), none judged: each overlapped (within a ttl) a fault that is not tolerable`,
    );
  if (tolerable.length === 0)
    // Left out of the results by applies(); run on its own, it has nothing to say.
    return unknown(ID, "no fault of this run is one a correct system rides out (nothing to judge)");
  const { meta } = evidence;
  const terms = termsOf(evidence);
  const violations: Violation[] = [];
  for (const f of tolerable) violations.push(...judge(f, evidence, terms));
  if (violations.length > 0) return fail(ID, violations);
  const left = all.length - tolerable.length;
  return pass(
    ID,
    `${tolerable.length} tolerable fault(s): the lease kept its holder and the holder never lapsed (judged until ${meta.ttlMs} ms after each)${left ? `; ${left} not judged (they overlapped a fault that is not tolerable)` : ""}`,
  );
}

// Another fault that took effect and is not tolerable, on within a ttl of this one's window.
function overlapsOther(f: FaultWindow, faults: FaultWindow[], meta: Evidence["meta"]): boolean {
  const from = f.start - meta.ttlMs;
  const until = (f.end ?? meta.observedUntil) + meta.ttlMs;
  return faults.some(
    (g) =>
      g !== f &&
      g.tolerable !== true &&
      g.verified &&
      g.withdrawn !== true &&
      g.retried !== true &&
      g.start < until &&
      (g.end ?? meta.observedUntil) > from,
  );
}

function judge(f: FaultWindow, evidence: Evidence, terms: ReturnType<typeof termsOf>): Violation[] {
  const { meta } = evidence;
  const from = f.start;
  const until = Math.min((f.end ?? meta.observedUntil) + meta.ttlMs, meta.observedUntil);
  const lease = meta.workers.find((w) => w.id === f.target)?.leaseName;
  const held = terms.find(
    (t) => t.leaseName === lease && t.holder === f.target && t.start <= from && from < t.end,
  );
  if (!held) return [];
  const out: Violation[] = [];
  if (held.end < until) {
    const next = terms.find((t) => t.leaseName === lease && t.start >= held.end);
    out.push({
      worker: f.target,
      epoch: held.epoch,
      ts: held.end,
      fault: f.id,
      message: `under ${f.fault} (${f.detail || "tolerable"}) ${f.target}'s epoch ${held.epoch} ${held.endReason === "released" ? "was released" : held.endReason === "taken-over" ? "was taken over" : "expired"} at ${sinceStart(meta, held.end)}${next ? `; ${next.holder} acquired epoch ${next.epoch} at ${sinceStart(meta, next.start)}` : ""}: a needless failover`,
    });
  }
  const lapse = ofKind(evidence, "worker-log").find(
    (l) =>
      l.worker === f.target &&
      (l.means === "expired-locally" || l.means === "lease-lost") &&
      l.ts >= from &&
      l.ts <= until,
  );
  if (lapse)
    out.push({
      worker: f.target,
      epoch: lapse.epoch ?? held.epoch,
      ts: lapse.ts,
      fault: f.id,
      lines: [lapse.line],
      message: `under ${f.fault} (${f.detail || "tolerable"}) ${f.target} logged ${JSON.stringify(lapse.msg)} at ${sinceStart(meta, lapse.ts)}: it lapsed under a fault a correct worker rides out`,
    });
  return out;
}
