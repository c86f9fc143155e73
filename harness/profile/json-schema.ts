import { z } from "zod";
import { profileSchema } from "./schema.ts";

/** The worker profile's JSON Schema (as a user writes it, defaults optional), for editor completion. */
export function profileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(profileSchema, { io: "input", unrepresentable: "any" }) as Record<
    string,
    unknown
  >;
  return {
    title: "lease-chaos worker profile",
    description:
      "How lease-chaos starts a team's worker, reads its log lines and tables, and where its work lives.",
    ...schema,
  };
}
