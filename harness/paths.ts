import fs from "node:fs";
import { fileURLToPath } from "node:url";

/** True when running the compiled package (dist/*.js) rather than the TypeScript sources through tsx. */
export const COMPILED = import.meta.url.endsWith(".js");

/** The root the package's own files are found under: the repository, or dist/ of an installed package. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** A module of the package as this build has it: `harness/cli/proxy.ts` is proxy.js once compiled. */
export function packageModule(sourcePath: string): string {
  return fileURLToPath(
    new URL(`../${COMPILED ? sourcePath.replace(/\.ts$/, ".js") : sourcePath}`, import.meta.url),
  );
}

/** How `node` runs a module of the package: directly once compiled, through tsx's loader from sources. */
export function nodeArgs(sourcePath: string): string[] {
  const file = packageModule(sourcePath);
  return COMPILED ? [file] : ["--import", "tsx", file];
}

/** The package's own package.json (its name and version), from the sources or from dist/. */
export function packageJson(): { name: string; version: string } {
  for (const up of ["../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(new URL(up, import.meta.url), "utf8"));
      if (pkg.name === "lease-chaos") return pkg;
    } catch {
      // not there: one level up
    }
  }
  return { name: "lease-chaos", version: "unknown" };
}
