import { z } from "zod";

/** A zod schema as the JSON Schema an editor completes with: the input side (defaults optional). */
export function jsonSchemaOf(schema: z.ZodType, title: string, description: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { title, description, ...json };
}
