// Writes schema/lease-chaos.config.schema.json from the profile's zod schema: `npm run schema`.
// A unit test fails when the committed file is older than the schema.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { profileJsonSchema } from "../harness/profile/json-schema.ts";

const out = fileURLToPath(new URL("../schema/lease-chaos.config.schema.json", import.meta.url));
fs.writeFileSync(out, `${JSON.stringify(profileJsonSchema(), null, 2)}\n`);
console.log(`wrote ${out}`);
