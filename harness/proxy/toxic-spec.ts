import type { Attributes, ToxicKind } from "./toxics/toxic.ts";

/** Which way a link carries bytes: upstream = client to server, downstream = server to client. */
export type Direction = "upstream" | "downstream";

/** A toxic as configured on a proxy; every open connection has a stage for it. */
export interface ToxicSpec {
  name: string;
  type: string;
  /** the stream string exactly as the client sent it (echoed back as sent) */
  stream: string;
  direction: Direction;
  /** float32, as Toxiproxy stores it; not range-checked (>= 1 always, <= 0 never) */
  toxicity: number;
  attributes: Attributes;
  kind: ToxicKind;
}

/** Shortest decimal text that reads back as the same float32, as Go prints a float32. */
export function float32Text(value: number): string {
  const f = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const text = String(Number(f.toPrecision(digits)));
    if (Math.fround(Number(text)) === f) return text;
  }
  return String(f);
}

/** The toxic's JSON, with Toxiproxy's field order and every attribute present. */
export function toxicJson(spec: ToxicSpec): string {
  const attributes = Object.keys(spec.kind.attributes)
    .map((key) => `${JSON.stringify(key)}:${spec.attributes[key] ?? 0}`)
    .join(",");
  return (
    `{"attributes":{${attributes}},"name":${JSON.stringify(spec.name)},"type":${JSON.stringify(spec.type)},` +
    `"stream":${JSON.stringify(spec.stream)},"toxicity":${float32Text(spec.toxicity)}}`
  );
}
