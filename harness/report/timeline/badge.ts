// The verdict badges of the header and the checks table.
import type { Verdict } from "../../checks/check.ts";
import { esc } from "./html.ts";

/** How each verdict is written on the page. */
export const MARK: Record<Verdict, string> = { pass: "PASS", fail: "FAIL", unknown: "UNKNOWN" };

/** A coloured verdict badge. */
export function badge(v: Verdict): string {
  return `<span class="badge ${esc(v)}">${MARK[v] ?? esc(v)}</span>`;
}
