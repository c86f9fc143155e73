import { LeaseChaosError } from "../errors.ts";

/**
 * A merge that is missing part of what it was meant to join (a shard, a shard's run) or holds a shard
 * twice: its verdict cannot be trusted, so it is unknown (exit 3), naming each gap.
 */
export class IncompleteMergeError extends LeaseChaosError {
  constructor(readonly problems: string[]) {
    super("E_MERGE_INCOMPLETE", `the merge is incomplete (verdict unknown):\n  ${problems.join("\n  ")}`);
  }
}
