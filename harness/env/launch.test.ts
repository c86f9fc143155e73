import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { describe, expect, it } from "vitest";
import { faketimeEnv, faketimeSpec, LIBFAKETIME, lineRealTime, realTime, WorkerClock } from "./launch.ts";

describe("a line's real time under a clock fault", () => {
  const since = 1_000_000;
  const back = { offsetMs: -2_000, rate: 1, since };

  it("corrects a line the stepped clock stamped", () => {
    // Written at real since + 500 on a clock 2 s behind, read 3 ms later.
    expect(lineRealTime(since + 500 - 2_000, [back], since + 503)).toBe(since + 500);
  });

  it("keeps a line stamped before the step reached the process (libfaketime had not re-read it)", () => {
    // The old clock still: correcting it would put the line 2 s in the future.
    expect(lineRealTime(since + 40, [back], since + 43)).toBe(since + 40);
    const ahead = { offsetMs: 2_000, rate: 1, since };
    expect(lineRealTime(since + 40, [ahead], since + 43)).toBe(since + 40);
    expect(lineRealTime(since + 2_040, [ahead], since + 43)).toBe(since + 40);
  });

  it("corrects a line stamped under a step and read just after its heal (explore, seed 7000205)", () => {
    const clock = new WorkerClock();
    clock.set({ offsetMs: -2_961, rate: 1 }, since);
    const healAt = since + 2_077;
    clock.set({ offsetMs: 0, rate: 1 }, healAt);
    // Stamped at real healAt - 6 on the stepped clock, read 6 ms after the heal.
    expect(clock.correction(healAt + 6)?.(healAt - 6 - 2_961)).toBe(healAt - 6);
    // A line of the healed clock is taken as written.
    expect(clock.correction(healAt + 6)?.(healAt + 4)).toBe(healAt + 4);
    // Long after the heal, nothing is corrected; a new process starts real.
    expect(clock.correction(healAt + 5_000)).toBeUndefined();
    clock.set({ offsetMs: -2_961, rate: 1 }, healAt + 6_000);
    clock.reset();
    expect(clock.correction(healAt + 6_001)).toBeUndefined();
  });

  it("inverts a rate fault", () => {
    const slow = { offsetMs: 0, rate: 0.95, since };
    // 10 s real after since the worker's clock reads 9.5 s after it.
    expect(realTime(since + 9_500, slow)).toBeCloseTo(since + 10_000, 6);
    expect(lineRealTime(since + 9_500, [slow], since + 10_002)).toBeCloseTo(since + 10_000, 6);
  });
});

describe.skipIf(!fs.existsSync(LIBFAKETIME))("libfaketime settings as the harness writes them", () => {
  it("a healed rate stops drifting: the setting always names its rate (a missing one keeps the old)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lc-faketime-"));
    const file = path.join(dir, "faketime");
    fs.writeFileSync(file, "+0");
    // A process that prints its clock minus the real one (the harness's) each time it is asked.
    const child = spawn(
      process.execPath,
      [
        "-e",
        "require('readline').createInterface({input:process.stdin}).on('line',(l)=>console.log(Date.now()-Number(l)))",
      ],
      {
        env: { ...faketimeEnv(file, "wall"), PATH: process.env.PATH ?? "" },
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    const lines = readline.createInterface({ input: child.stdout });
    const ask = () =>
      new Promise<number>((resolve) => {
        lines.once("line", (l) => resolve(Number(l)));
        child.stdin.write(`${Date.now()}\n`);
      });
    try {
      const started = Date.now();
      await ask();
      fs.writeFileSync(file, faketimeSpec({ offsetMs: 0, rate: 2 }, started, Date.now()));
      await new Promise((r) => setTimeout(r, 300));
      const skewed = await ask();
      // Healed at what it drifted, at rate 1 (as the clock fault's heal does).
      fs.writeFileSync(file, faketimeSpec({ offsetMs: skewed, rate: 1 }, started, Date.now()));
      const healed = await ask();
      await new Promise((r) => setTimeout(r, 400));
      const later = await ask();
      expect(skewed).toBeGreaterThan(150);
      // Tolerance: the pipe's round trip and libfaketime's re-read, 100 ms on a loaded machine.
      expect(Math.abs(later - healed)).toBeLessThan(100);
    } finally {
      child.kill("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
