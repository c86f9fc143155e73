// Reading a schedule from a file: a schedule as written, or an explore finding (whose shrunk
// schedule it replays, with the finding's seed unless one is given).
import fs from "node:fs";
import { UsageError } from "../errors.ts";
import { parseSchedule, type Schedule } from "./schedule.ts";

/** What `run --schedule FILE` replays. */
export interface ScheduleFile {
  schedule: Schedule;
  /** the seed a finding was seen with */
  seed?: number;
  /** the file was a finding (finding.json) */
  finding: boolean;
}

/** The marker of a finding file. */
export const FINDING_KIND = "lease-chaos-finding";

/** Reads `file`; bad JSON or a bad schedule is a UsageError naming the file and the key. */
export function readScheduleFile(file: string): ScheduleFile {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new UsageError(
      `--schedule ${JSON.stringify(file)}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`,
    );
  }
  const finding = (data as { kind?: unknown })?.kind === FINDING_KIND;
  const body = finding ? (data as { schedule?: unknown }).schedule : data;
  try {
    const schedule = parseSchedule(body, `--schedule ${file}${finding ? " (its schedule)" : ""}`);
    const seed = finding ? (data as { seed?: unknown }).seed : undefined;
    return { schedule, finding, ...(typeof seed === "number" ? { seed } : {}) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
