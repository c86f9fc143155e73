#!/usr/bin/env node
// The CLI. An installed package runs its compiled dist/; a checkout of the repository runs the
// TypeScript sources through tsx's loader (no build step while developing).
import fs from "node:fs";

const sources = new URL("../harness/cli/main.ts", import.meta.url);
const fromSources = fs.existsSync(sources);
if (fromSources) (await import("tsx/esm/api")).register();
// A reader that goes away (`lease-chaos drill | head`) must not crash a run mid-drill: the run still
// heals, cleans up and writes its report.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code !== "EPIPE") throw err;
  });
}
const { main } = await import(
  fromSources ? sources.href : new URL("../dist/harness/cli/main.js", import.meta.url).href
);
const code = await main(process.argv.slice(2));
// Exit explicitly: a pending handle (a dependency's timer) must not keep the exit code waiting or replace it.
process.exit(code);
