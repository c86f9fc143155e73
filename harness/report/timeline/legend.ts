import { COLOR } from "./palette.ts";

// Each entry: a 30x14 swatch drawn the way the timeline draws that mark, and its meaning.
const ENTRIES: [string, string][] = [
  [
    `<rect x="1" y="2" width="28" height="10" fill="${COLOR.term}"/><path d="M9 2v3M17 2v3" stroke="#fff"/>`,
    "leader term (database), epoch inside; white notches = renewals",
  ],
  [
    `<rect x="1" y="2" width="28" height="10" fill="url(#lg-tail)" stroke="${COLOR.termTail}"/>`,
    "after the term ended (takeover/release), until its expires_at",
  ],
  [
    `<rect x="1" y="4" width="28" height="6" fill="url(#lg-expiry)" stroke="${COLOR.localExpiry}"/>`,
    "expired locally (skip batch until renewed)",
  ],
  [`<path d="M8 2v10M15 2v10M22 2v10" stroke="${COLOR.batch}" stroke-width="1.2"/>`, "batch started"],
  [`<path d="M8 3v9M13 3v9M18 3v9M23 3v9" stroke="${COLOR.effect}" stroke-width="1.2"/>`, "effect accepted"],
  [
    `<path d="M11 3.5l7 7m0 -7l-7 7" stroke="${COLOR.rejected}" stroke-width="2.2"/>`,
    "effect refused (stale epoch)",
  ],
  [
    `<rect x="1" y="1" width="28" height="12" fill="${COLOR.fault}" opacity=".5" stroke="${COLOR.faultEdge}"/>`,
    "fault window",
  ],
  [
    `<path d="M15 0l7 7l-7 7l-7 -7z" fill="${COLOR.violation}"/><text x="15" y="11" text-anchor="middle" fill="#fff" font-size="10" font-weight="800">!</text>`,
    "violation (click for its evidence below)",
  ],
  [
    `<rect x="1" y="2" width="26" height="10" fill="url(#lg-violation)" stroke="${COLOR.violation}"/><path d="M1 0v14" stroke="${COLOR.violation}" stroke-width="1.5"/>`,
    "ms past expiry / into the safety margin: from the bound to the violation",
  ],
  [
    `<circle cx="8" cy="7" r="6" fill="#fff" stroke="#555"/><text x="8" y="10" text-anchor="middle" font-size="8" font-weight="700">1</text><path d="M14 7h15" stroke="#b9b9b9" stroke-width="2"/>`,
    "scenario step and its duration",
  ],
  [
    `<rect x="6" y="2.5" width="2.5" height="9" fill="${COLOR.process}"/><rect x="10.5" y="2.5" width="2.5" height="9" fill="${COLOR.process}"/><path d="M17 2l7 5l-7 5z" fill="${COLOR.process}"/>`,
    "pause / resume",
  ],
  [
    `<path d="M4 3l8 8m0 -8l-8 8" stroke="${COLOR.violation}" stroke-width="2.4"/><rect x="17" y="3.5" width="7" height="7" fill="${COLOR.process}"/>`,
    "kill / exit (red: unexpected)",
  ],
];

/** The legend: one swatch per kind of mark, drawn like the mark itself. */
export function legend(): string {
  const patterns = `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>
<pattern id="lg-tail" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/><rect width="3" height="6" fill="${COLOR.termTail}"/></pattern>
<pattern id="lg-expiry" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="6" height="6" fill="#fff4dc"/><rect width="2.5" height="6" fill="${COLOR.localExpiry}"/></pattern>
<pattern id="lg-violation" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fbe3d6"/><rect width="2" height="6" fill="${COLOR.violation}"/></pattern>
</defs></svg>`;
  const items = ENTRIES.map(
    ([swatch, text]) =>
      `<span><svg width="30" height="14" viewBox="0 0 30 14" aria-hidden="true">${swatch}</svg>${text}</span>`,
  );
  return `${patterns}<div class="legend">${items.join("")}</div>`;
}
