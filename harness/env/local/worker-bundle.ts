import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { COMPILED, packageModule } from "../../paths.ts";

const PACKAGE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const WORKER_DIR = path.join(PACKAGE_ROOT, "fixtures/workers");
const CACHE_DIR = path.join(PACKAGE_ROOT, "node_modules/.cache/lease-chaos");

let bundled: Promise<string> | null = null;

function sourceHash(): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith(".ts")) hash.update(file).update(fs.readFileSync(file));
    }
  };
  walk(WORKER_DIR);
  return hash.digest("hex").slice(0, 16);
}

/**
 * The reference worker as one plain ESM file, bundled once per source version. A worker started
 * from it is up in ~80 ms instead of ~300 ms through tsx, which matters with four starting on two
 * cores. The cache lives under node_modules/.cache, like other build tools' caches.
 */
export function workerBundle(): Promise<string> {
  // The installed package ships the worker compiled already: nothing to bundle.
  if (COMPILED) return Promise.resolve(packageModule("fixtures/workers/main.ts"));
  bundled ??= (async () => {
    const out = path.join(CACHE_DIR, `worker-${sourceHash()}.mjs`);
    if (fs.existsSync(out)) return out;
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    const { build } = await import("esbuild");
    await build({
      entryPoints: [path.join(WORKER_DIR, "main.ts")],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      outfile: tmp,
      external: ["pg-native"],
      // pg is CommonJS and calls require(); an ESM bundle needs one.
      banner: {
        js: "import { createRequire as __lcRequire } from 'node:module'; const require = __lcRequire(import.meta.url);",
      },
      logLevel: "silent",
    });
    fs.renameSync(tmp, out);
    return out;
  })();
  return bundled;
}
