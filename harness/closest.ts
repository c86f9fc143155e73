// "Did you mean": the nearest of some names to what was typed, when it is near enough to be a typo.

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/**
 * The name nearest to `given`, when it is near enough to be a typo, or when `given` is the start of
 * a name (`slow-replica` for `slow-replica-on-leader`; the shortest such name when several start so).
 */
export function closest(given: string, names: string[]): string | undefined {
  const scored = names.map((n) => [n, distance(given, n)] as const).sort((x, y) => x[1] - y[1]);
  const best = scored[0];
  if (best && best[1] <= Math.max(2, Math.floor(given.length / 3))) return best[0];
  if (given.length < 4) return undefined;
  return names.filter((n) => n.startsWith(given)).sort((a, b) => a.length - b.length)[0];
}
