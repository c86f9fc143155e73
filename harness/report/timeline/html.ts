// Text and attribute escaping for the timeline's HTML and inline SVG: every string from evidence goes through here.

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for an HTML/SVG text node or a quoted attribute value. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}

/** Renders `name="value"` pairs, escaped; undefined and false values are left out. */
export function attrs(values: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${esc(typeof v === "number" ? round(v) : v)}"`))
    .join("");
}

/** A coordinate rounded to 0.1 px, so the SVG stays small and diffable. */
export function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** An SVG/HTML element with escaped attributes; `inner` is trusted markup (already escaped). */
export function el(
  name: string,
  values: Record<string, string | number | boolean | undefined>,
  inner = "",
): string {
  return `<${name}${attrs(values)}>${inner}</${name}>`;
}

/** A `<title>` child: the native tooltip an SVG shape shows on hover. */
export function title(text: string): string {
  return `<title>${esc(text)}</title>`;
}
