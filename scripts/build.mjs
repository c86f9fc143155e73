// The package build (npm run build; prepack runs it): TypeScript to dist/ with .d.ts, then the
// files the compiled code reads at run time (the reference system's SQL) beside it.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
fs.rmSync(`${root}/dist`, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [`${root}/node_modules/typescript/bin/tsc`, "-p", `${root}/tsconfig.build.json`],
  {
    stdio: "inherit",
  },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
fs.cpSync(`${root}/fixtures/sql`, `${root}/dist/fixtures/sql`, { recursive: true });
console.log("build: dist/ written");
