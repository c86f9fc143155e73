// Writes the JSON Schemas from their zod schemas: `npm run schema`. The profile's
// (schema/lease-chaos.config.schema.json) and the fault schedule's (schema/schedule.schema.json).
// A unit test fails when a committed file is older than its schema.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { scheduleJsonSchema } from "../harness/explore/schedule.ts";
import { profileJsonSchema } from "../harness/profile/json-schema.ts";

for (const [file, schema] of [
  ["lease-chaos.config.schema.json", profileJsonSchema()],
  ["schedule.schema.json", scheduleJsonSchema()],
] as const) {
  const out = fileURLToPath(new URL(`../schema/${file}`, import.meta.url));
  fs.writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote ${out}`);
}
