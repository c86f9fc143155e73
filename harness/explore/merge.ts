// Joining the campaigns of explore's shards: every shard ran every n-th schedule of the same seed
// space, so their runs add up, their findings are deduplicated by check and shape, their coverage
// is the union. A merge knows how many shards there must be: one missing or given twice fails.
import { LeaseChaosError } from "../errors.ts";
import { EXPLORE_SUMMARY_KIND, type ExploreSummary } from "./campaign.ts";
import { findingKey } from "./finding.ts";

/** A campaign's shards did not add up: exit 3, naming what is missing or doubled. */
export class IncompleteCampaignError extends LeaseChaosError {
  constructor(message: string) {
    super("E_INCOMPLETE_MERGE", message);
  }
}

/** The merged campaign: the sum of its shards. */
export function mergeCampaigns(parts: ExploreSummary[]): ExploreSummary {
  if (parts.length === 0) throw new IncompleteCampaignError("no explore campaign to merge");
  const seed = parts[0]?.seed as number;
  if (parts.some((p) => p.seed !== seed))
    throw new IncompleteCampaignError(
      `the campaigns were drawn from different seeds (${[...new Set(parts.map((p) => p.seed))].join(", ")}): they are not shards of one campaign`,
    );
  const sharded = parts.filter((p) => p.shard);
  if (sharded.length > 0) {
    const count = sharded[0]?.shard?.count as number;
    if (sharded.length !== parts.length || sharded.some((p) => p.shard?.count !== count))
      throw new IncompleteCampaignError(
        `the campaigns are not shards of one count: ${parts.map((p) => (p.shard ? `${p.shard.index}/${p.shard.count}` : "unsharded")).join(", ")}`,
      );
    const seen = new Map<number, number>();
    for (const p of sharded)
      seen.set(p.shard?.index as number, (seen.get(p.shard?.index as number) ?? 0) + 1);
    const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.has(i));
    const twice = [...seen].filter(([, n]) => n > 1).map(([i]) => i);
    if (missing.length || twice.length)
      throw new IncompleteCampaignError(
        `explore shards of ${count}:${missing.length ? ` missing ${missing.map((i) => `${i}/${count}`).join(", ")}` : ""}${twice.length ? ` given twice ${twice.map((i) => `${i}/${count}`).join(", ")}` : ""}`,
      );
  }
  const keys = new Set<string>();
  const findings = parts
    .flatMap((p) => p.findings)
    .filter((f) => {
      const k = findingKey(f.check, f.schedule);
      if (keys.has(k)) return false;
      keys.add(k);
      return true;
    });
  const combos: Record<string, number> = {};
  for (const p of parts)
    for (const [k, n] of Object.entries(p.coverage.combos)) combos[k] = (combos[k] ?? 0) + n;
  const sum = (f: (p: ExploreSummary) => number) => parts.reduce((n, p) => n + f(p), 0);
  const wallMs = Math.max(...parts.map((p) => p.wallMs));
  const runs = sum((p) => p.runs);
  const firsts = parts.map((p) => p.firstFailureMs).filter((x): x is number => x !== null);
  return {
    kind: EXPLORE_SUMMARY_KIND,
    seed,
    runs,
    passed: sum((p) => p.passed),
    noEvidence: sum((p) => p.noEvidence),
    failedRuns: sum((p) => p.failedRuns),
    findings,
    wallMs,
    runsPerMinute: Math.round((runs / Math.max(1 / 60, wallMs / 60_000)) * 10) / 10,
    firstFailureMs: firsts.length ? Math.min(...firsts) : null,
    coverage: { tried: Object.keys(combos).length, of: parts[0]?.coverage.of as number, combos },
    seeds: parts.flatMap((p) => p.seeds).sort((a, b) => a - b),
    reportDir: "",
  };
}
