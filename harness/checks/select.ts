import type { Evidence, EvidenceEvent } from "../observe/evidence.ts";

/** The events of one kind, in recorded (ts) order, typed by that kind. */
export function ofKind<K extends EvidenceEvent["kind"]>(
  evidence: Evidence,
  kind: K,
): Extract<EvidenceEvent, { kind: K }>[] {
  return evidence.events.filter((e): e is Extract<EvidenceEvent, { kind: K }> => e.kind === kind);
}
