// Headless Chromium for the browser tests: Debian's (which .ci/run installs), through playwright-core.
// Where it is missing a developer's run skips those tests and says why, once per file; in CI
// (CI set) they fail instead, so a runner that lost its browser cannot pass by skipping.
import fs from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** The browser binary: LEASE_CHAOS_CHROMIUM, else Debian's. */
export const CHROMIUM = process.env.LEASE_CHAOS_CHROMIUM ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or null when they can (or must: CI). */
export function chromiumUnavailable(file: string): string | null {
  if (fs.existsSync(CHROMIUM) || process.env.CI) return null;
  const reason = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set LEASE_CHAOS_CHROMIUM)`;
  console.warn(`${file}: browser tests skipped: ${reason}`);
  return reason;
}

/** Launches headless Chromium, quiet: no background traffic, no first-run pages. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
}
