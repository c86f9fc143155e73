// A refusal a worker reports in its log (lines.refused) is an attempt its system refused, as a row in
// a refusals table is: one refused-effect per item the line names, stamped with the line's time.
import type { EvidenceEvent, RefusedEffect, WorkerLog } from "../evidence.ts";

/** The item id a refusal gets when its line names no item: the whole batch was refused. */
export const WHOLE_BATCH = "(batch)";

/** The refused attempts a line reports: none unless it means `refused`. */
export function refusalsOfLine(line: WorkerLog): RefusedEffect[] {
  if (line.means !== "refused") return [];
  const items = line.items ?? (line.item !== undefined ? [line.item] : [WHOLE_BATCH]);
  return items.map((itemId) => ({
    kind: "refused-effect",
    ts: line.ts,
    type: "refused (log)",
    leaseName: line.leaseName,
    worker: line.worker,
    epoch: line.epoch ?? null,
    itemId,
    source: "log",
  }));
}

/** A sink that records every event and, after a line that reports refusals, the refusals too. */
export function withLineRefusals(record: (event: EvidenceEvent) => void): (event: EvidenceEvent) => void {
  return (event) => {
    record(event);
    if (event.kind === "worker-log") for (const r of refusalsOfLine(event)) record(r);
  };
}
