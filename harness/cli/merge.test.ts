import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { main } from "./main.ts";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-merge-test-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function runFolder(dir: string, scenario: string, verdict: "pass" | "fail"): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "events.jsonl"), "{}\n");
  fs.writeFileSync(
    path.join(dir, "verdict.json"),
    JSON.stringify({
      scenario,
      bug: null,
      seed: 1,
      verdict,
      checks: [],
      reasons: [],
      reproduce: `run ${scenario}`,
    }),
  );
}

describe("merge", () => {
  it("counts a run once however often its folder is reached, and skips an earlier merged summary", async () => {
    runFolder(path.join(root, "s1", "pause-drill"), "pause-drill", "pass");
    runFolder(path.join(root, "s2", "leader-killed"), "leader-killed", "pass");
    const out: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const summary = path.join(root, "all");
    expect(await main(["merge", path.join(root, "s1"), path.join(root, "s2"), "--out", summary])).toBe(0);
    // Again, with the summary folder under the root and s1 named twice.
    out.length = 0;
    expect(await main(["merge", root, path.join(root, "s1"), "--json"])).toBe(0);
    const merged = JSON.parse(out.join("")) as { runs: { scenario: string }[] };
    expect(merged.runs.map((r) => r.scenario)).toEqual(["pause-drill", "leader-killed"]);
  });
});
