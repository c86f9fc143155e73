// Times as workers write them: RFC 3339 with any number of fraction digits, epoch ms or s (numbers
// or numeric strings). Returns wall-clock ms since the epoch, keeping sub-millisecond precision.

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Parses an RFC 3339 time; a time without a zone is read as UTC. NaN when it is not one. */
export function parseRfc3339(text: string): number {
  const m = RFC3339.exec(text.trim());
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (frac) ms += Number(`0.${frac}`) * 1000;
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0");
    ms -= sign * offsetMin * 60_000;
  }
  return ms;
}

/** How a profile says its times are written. */
export type TimeFormat = "auto" | "rfc3339" | "epoch-ms" | "epoch-s";

/**
 * A worker's time value as wall ms. `auto` takes numbers above 1e11 as ms and below as seconds
 * (seconds since 1973 ... ms since 1970), and anything else as RFC 3339.
 */
export function parseTime(value: unknown, format: TimeFormat): number {
  if (value === null || value === undefined) return Number.NaN;
  const numeric =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value)
        ? Number(value)
        : Number.NaN;
  switch (format) {
    case "epoch-ms":
      return numeric;
    case "epoch-s":
      return numeric * 1000;
    case "rfc3339":
      return typeof value === "string" ? parseRfc3339(value) : Number.NaN;
    case "auto":
      if (Number.isFinite(numeric)) return Math.abs(numeric) > 1e11 ? numeric : numeric * 1000;
      return typeof value === "string" ? parseRfc3339(value) : Number.NaN;
  }
}
