// Element ids that tie the page together: check rows, violation entries and their lane markers.

// Ids must be safe in a `#fragment` and a CSS selector whatever a check id holds.
function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, "-");
}

/** The id of a check's row in the checks table. */
export function checkAnchor(checkId: string): string {
  return `check-${slug(checkId)}`;
}

/** The id of a check's group of entries in the violations panel. */
export function checkViolationsAnchor(checkId: string): string {
  return `violations-${slug(checkId)}`;
}

/** The id of the `n`th (1-based) violation entry of a check in the violations panel. */
export function violationAnchor(checkId: string, n: number): string {
  return `v-${slug(checkId)}-${n}`;
}

/** The id of a violation's marker on the lanes, given its entry's id. */
export function markerAnchor(entryAnchor: string): string {
  return `${entryAnchor}-mark`;
}
