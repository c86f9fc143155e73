import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../errors.ts";
import { ControlServer, callWatch, readWatchState } from "./control.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lease-chaos-control-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const meta = { runId: "r", provider: "local", startedAt: 0, reportDir: dir, workers: ["fwd-a"] };

describe("the watch's control API", () => {
  it("publishes itself in a 0600 state file, answers with the token only, and refuses a second watch", async () => {
    const file = path.join(dir, "w1.json");
    // A file already there, readable by others, is replaced, not reused.
    fs.writeFileSync(file, "{}", { mode: 0o644 });
    const server = new ControlServer({
      "POST /echo": async (body) => ({ got: body }),
      "POST /refuse": async () => {
        throw new UsageError("--target nope");
      },
    });
    const state = await server.start(meta, file);
    try {
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(readWatchState(file)).toMatchObject({ pid: process.pid, url: state.url });
      expect(await callWatch(state, "POST /echo", { a: 1 }, 5_000)).toEqual({ got: { a: 1 } });
      await expect(callWatch(state, "POST /refuse", {}, 5_000)).rejects.toMatchObject({
        code: "E_USAGE",
        message: "--target nope",
      });
      await expect(callWatch({ ...state, token: "x" }, "POST /echo", {}, 5_000)).rejects.toThrow(
        "wrong or missing token",
      );
      await expect(new ControlServer({}).start(meta, file)).rejects.toThrow(/a watch is already running/);
    } finally {
      await server.close();
    }
    expect(fs.existsSync(file)).toBe(false);
  });

  it("does not trust a state file others can read, or one whose process is gone", () => {
    const open = path.join(dir, "w2.json");
    fs.writeFileSync(open, JSON.stringify({ pid: process.pid }), { mode: 0o644 });
    fs.chmodSync(open, 0o644);
    expect(readWatchState(open)).toBeNull();
    const dead = path.join(dir, "w3.json");
    fs.writeFileSync(dead, JSON.stringify({ pid: 2 ** 22 + 12345 }), { mode: 0o600 });
    expect(readWatchState(dead)).toBeNull();
  });
});
