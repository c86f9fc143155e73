import { jsonSchemaOf } from "../json-schema.ts";
import { profileSchema } from "./schema.ts";

/** The worker profile's JSON Schema (as a user writes it, defaults optional), for editor completion. */
export function profileJsonSchema(): Record<string, unknown> {
  return jsonSchemaOf(
    profileSchema,
    "lease-chaos worker profile",
    "How lease-chaos starts a team's worker, reads its log lines and tables, and where its work lives.",
  );
}
