import type { Effect, Evidence, RunMeta } from "../observe/evidence.ts";
import type { Check, CheckResult, Violation } from "./check.ts";
import { capabilitiesOf } from "./context.ts";
import { describeOutside, outsideFields, sinceStart } from "./format.ts";
import { fail, pass, unknown } from "./result.ts";
import { ofKind } from "./select.ts";
import { outsideTerm, type Term, termOf, termsOf } from "./terms.ts";

const ID = "fenced-effects-within-term";

/** Fencing held: every accepted effect was committed while its worker's term was granted. */
export const fencedEffectsWithinTerm: Check = {
  id: ID,
  description:
    "every effect by W with epoch e is committed (database time) inside term (W, e); an effect without an epoch inside some term of W",
  coverage(caps) {
    if (!caps.effects)
      return {
        judged: [],
        notJudged: ["roles.*.work.effects is not set: no effect is journaled"],
        possible: false,
      };
    return {
      judged: ["lease history", "effects"],
      notJudged: caps.effectEpoch
        ? []
        : ["an effects table has no epoch column: its effects are judged against every term of their worker"],
      possible: true,
    };
  },
  run,
};

function run(evidence: Evidence): CheckResult {
  if (!capabilitiesOf(evidence).effects)
    return unknown(ID, "the profile names no effects table (roles.*.work.effects)");
  const effects = ofKind(evidence, "effect");
  const rejected = ofKind(evidence, "refused-effect");
  if (effects.length === 0 && rejected.length === 0)
    return unknown(ID, "no effects recorded (nothing to judge)");
  if (ofKind(evidence, "lease-change").length === 0) return unknown(ID, "no lease history recorded");
  const terms = termsOf(evidence);
  const violations = effects.flatMap((e) => judge(e, terms, evidence.meta) ?? []);
  const metrics = {
    effectsChecked: effects.length,
    staleEffectsAccepted: violations.length,
    unfencedEffects: effects.filter((e) => e.epoch === null).length,
    // Rejections are fencing working; reported so a run that never exercised it is visible.
    refusedEffects: rejected.length,
  };
  if (violations.length > 0) return fail(ID, violations, metrics);
  const unfenced = metrics.unfencedEffects > 0 ? ` (${metrics.unfencedEffects} without an epoch)` : "";
  return pass(
    ID,
    `${effects.length} effects inside their terms${unfenced}; ${rejected.length} attempts refused by the system's fence`,
    metrics,
  );
}

function judge(effect: Effect, terms: Term[], meta: RunMeta): Violation | null {
  const base = {
    worker: effect.worker,
    epoch: effect.epoch,
    ts: effect.ts,
    itemId: effect.itemId,
    effectType: effect.type,
  };
  const what = `worker ${effect.worker}'s ${effect.type} of ${effect.itemId}`;
  const when = sinceStart(meta, effect.ts);
  if (effect.epoch === null) {
    const mine = terms.filter((t) => t.leaseName === effect.leaseName && t.holder === effect.worker);
    if (mine.some((t) => outsideTerm(t, effect.ts) === null)) return null;
    const last = mine.filter((t) => t.start <= effect.ts).at(-1);
    const out = last && outsideTerm(last, effect.ts);
    const where = out ? `, ${describeOutside(out)}` : `, outside any term of ${effect.worker}`;
    return {
      ...base,
      ...(out && outsideFields(out)),
      unfenced: true,
      message: `${what} was accepted without an epoch at ${when}${where}`,
    };
  }
  const term = termOf(terms, effect.leaseName, effect.worker, effect.epoch, effect.ts);
  if (!term) {
    return {
      ...base,
      message: `${what} with epoch ${effect.epoch} was accepted at ${when}, but no term (${effect.worker}, ${effect.epoch}) exists`,
    };
  }
  const out = outsideTerm(term, effect.ts);
  if (!out) return null;
  return {
    ...base,
    ...outsideFields(out),
    message: `${what} with epoch ${effect.epoch} was accepted at ${when}, ${describeOutside(out)}`,
  };
}
