import { badRequestBody } from "./api-error.ts";

/** The Go types Toxiproxy decodes request fields into. */
export type GoType = "string" | "bool" | "int64" | "int" | "float32";

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "boolean") return "bool";
  return typeof value === "object" ? "object" : typeof value;
}

/**
 * Parses a request body as Go's json.Decoder reads one value: an empty body is "EOF", text after
 * the first value is ignored, and syntax errors are worded like Go's (approximately).
 */
export function parseBody(text: string): unknown {
  if (text.trim() === "") throw badRequestBody("EOF");
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const after = /non-whitespace character after JSON at position (\d+)/.exec(message);
    if (after) return parseBody(text.slice(0, Number(after[1])));
    const at = /position (\d+)/.exec(message);
    const position = at ? Number(at[1]) : -1;
    if (/end of JSON input|Unterminated/.test(message) || position >= text.trimEnd().length) {
      throw badRequestBody("unexpected EOF");
    }
    const token = /Unexpected token '(.)'/.exec(message);
    const char = token?.[1] ?? text[position] ?? text.trim()[0];
    const context = /property name/.test(message)
      ? "looking for beginning of object key string"
      : /after property value/.test(message)
        ? "after object key:value pair"
        : /Expected ':'/.test(message)
          ? "after object key"
          : /after array element/.test(message)
            ? "after array element"
            : "looking for beginning of value";
    throw badRequestBody(`invalid character '${char}' ${context}`);
  }
}

/** Fails unless the body is a JSON object (or null, which Go decodes as "no fields"). */
export function asObject(value: unknown, goValueType: string): Record<string, unknown> {
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw badRequestBody(`json: cannot unmarshal ${jsonKind(value)} into Go value of type ${goValueType}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Reads one field as Go's decoder would: keys match case-insensitively, null and absent mean "keep
 * the current value" (undefined), a value of the wrong type is a 400 naming the struct field.
 */
export function field<T extends GoType>(
  obj: Record<string, unknown>,
  key: string,
  type: T,
  fieldPath: string,
): (T extends "string" ? string : T extends "bool" ? boolean : number) | undefined {
  let value = obj[key];
  if (!(key in obj)) {
    const found = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
    value = found === undefined ? undefined : obj[found];
  }
  if (value === undefined || value === null) return undefined;
  const fail = (what: string) =>
    badRequestBody(`json: cannot unmarshal ${what} into Go struct field ${fieldPath} of type ${type}`);
  switch (type) {
    case "string":
      if (typeof value !== "string") throw fail(jsonKind(value));
      break;
    case "bool":
      if (typeof value !== "boolean") throw fail(jsonKind(value));
      break;
    case "float32":
      if (typeof value !== "number") throw fail(jsonKind(value));
      break;
    default:
      if (typeof value !== "number") throw fail(jsonKind(value));
      if (!Number.isInteger(value) || Math.abs(value) > 2 ** 63) throw fail(`number ${value}`);
  }
  return value as never;
}
