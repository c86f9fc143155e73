// The verdict badges of the header and the checks table.
import type { RunVerdict } from "../../checks/check.ts";
import { esc } from "./html.ts";

/** How each verdict is written on the page. */
export const MARK: Record<RunVerdict, string> = {
  pass: "PASS",
  fail: "FAIL",
  unknown: "UNKNOWN",
  skipped: "SKIPPED",
};

/** A coloured verdict badge. */
export function badge(v: RunVerdict): string {
  return `<span class="badge ${esc(v)}">${MARK[v] ?? esc(v)}</span>`;
}
