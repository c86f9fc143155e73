import type { Direction } from "./toxic-spec.ts";

/**
 * The byte counts of one direction of one proxy, which links bump as data passes: `received` is
 * what was read from the source socket, `sent` what was handed to the destination socket (so a
 * toxic that drops or truncates data makes them differ).
 */
export interface ByteCounter {
  received: number;
  sent: number;
}

/** The Content-Type of Prometheus's text exposition format 0.0.4. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const RECEIVED = "toxiproxy_proxy_received_bytes_total";
const SENT = "toxiproxy_proxy_sent_bytes_total";

interface Series extends ByteCounter {
  /** the label set, already rendered and in label-name order, as the text format writes it */
  readonly labels: string;
  /** label values in label-name order, for Prometheus's sort */
  readonly sortKey: readonly string[];
}

/** A label value escaped as the text format needs: backslash, double quote and newline. */
function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

/**
 * A counter value as Go's Prometheus client writes it (strconv 'g', shortest): plain digits below
 * a million, then exponent form with at least two exponent digits (1e+06, 1.234567e+06).
 */
export function formatSampleValue(n: number): string {
  if (n < 1e6) return String(n);
  const [mantissa, exponent = ""] = n.toExponential().split("e");
  return `${mantissa}e${exponent.slice(0, 1)}${exponent.slice(1).padStart(2, "0")}`;
}

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * Toxiproxy's proxy collectors (`-proxy-metrics`): counters `toxiproxy_proxy_received_bytes_total`
 * and `toxiproxy_proxy_sent_bytes_total`, one series per label set {direction, listener, proxy,
 * upstream}, labels taken when a connection's links start.
 *
 * As in Toxiproxy, whose counter vectors are never pruned, a series outlives its connections and
 * its proxy: a deleted proxy keeps its series until the server stops, a proxy moved to another
 * listen address or upstream starts a new series beside the old one, and a proxy re-created with
 * the same name, listen and upstream adds to its old series.
 *
 * Deliberate difference: Toxiproxy adds a link's bytes to the counters only when the link ends
 * (and drops the sent bytes of a link whose write failed), so open connections show nothing there;
 * here bytes count as they pass. Once connections have closed cleanly the figures agree.
 */
export class ProxyMetrics {
  private readonly series = new Map<string, Series>();

  /** The counter of a label set, created at zero on first use (a connection's link starting). */
  counter(direction: Direction, proxy: string, listener: string, upstream: string): ByteCounter {
    const sortKey = [direction, listener, proxy, upstream];
    const key = sortKey.join("\u0000");
    let series = this.series.get(key);
    if (!series) {
      const labels =
        `direction="${direction}",listener="${escapeLabelValue(listener)}",` +
        `proxy="${escapeLabelValue(proxy)}",upstream="${escapeLabelValue(upstream)}"`;
      series = { labels, sortKey, received: 0, sent: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  /**
   * The text exposition of both counters, as promhttp writes it: families sorted by name, series
   * by label values; a family with no series yet is left out, HELP line included.
   */
  render(): string {
    if (this.series.size === 0) return "";
    const all = [...this.series.values()].sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    let out = "";
    for (const [name, pick] of [
      [RECEIVED, (s: Series) => s.received],
      [SENT, (s: Series) => s.sent],
    ] as const) {
      // Toxiproxy registers these counters without help text, so its HELP lines are empty.
      out += `# HELP ${name} \n# TYPE ${name} counter\n`;
      for (const s of all) out += `${name}{${s.labels}} ${formatSampleValue(pick(s))}\n`;
    }
    return out;
  }
}
