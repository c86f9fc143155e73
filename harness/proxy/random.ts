import { randomInt } from "node:crypto";

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** A fresh seed for a run that did not ask for one; it is logged so the run can be repeated. */
export function freshSeed(): number {
  return randomInt(0, 2 ** 48 - 1);
}

// FNV-1a over the parts, then splitmix32 finalisation: cheap, and neighbouring inputs
// (connection 1, 2, 3 ...) give unrelated streams.
function hash(parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = `${part}\u0000`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x21f0aaad);
  h ^= h >>> 15;
  h = Math.imul(h, 0x735a2d97);
  return (h ^ (h >>> 15)) >>> 0;
}

/**
 * A deterministic generator (sfc32) for one stream of draws, keyed by the server seed and the names
 * of what draws from it: the same seed and the same sequence of connections give the same draws,
 * however the connections of different proxies interleave.
 */
export function seededRandom(seed: number, ...key: (string | number)[]): Random {
  let a = hash([seed, ...key, "a"]);
  let b = hash([seed, ...key, "b"]);
  let c = hash([seed, ...key, "c"]);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A uniform integer in [lo, hi) drawn from `random`. */
export function intBetween(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo));
}
