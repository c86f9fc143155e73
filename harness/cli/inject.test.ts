import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "./main.ts";

describe("inject and heal without a watch", () => {
  afterEach(() => vi.restoreAllMocks());

  const errorsOf = async (argv: string[]) => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((l: string) => lines.push(l));
    const code = await main(argv);
    return { code, text: lines.join("\n") };
  };

  it("checks the request first, then says how to start a watch: exit 2 both times", async () => {
    vi.stubEnv("LEASE_CHAOS_WATCH_FILE", path.join(os.tmpdir(), `lease-chaos-no-watch-${process.pid}.json`));
    expect(await errorsOf(["inject", "latency", "--target", "fwd-a", "--for", "10"])).toEqual({
      code: 2,
      text: 'lease-chaos inject: --for "10" is not a duration; give a number with a unit, e.g. 20s, 1500ms, 2m, 1m30s',
    });
    expect(await errorsOf(["inject", "latenc", "--target", "fwd-a"])).toMatchObject({
      code: 2,
      text: expect.stringMatching(/unknown fault kind "latenc"; did you mean latency\?/),
    });
    const none = await errorsOf(["inject", "pause", "--target", "fwd-a"]);
    expect(none.code).toBe(2);
    expect(none.text).toMatch(/no watch is running .*start one with `lease-chaos watch`/);
    expect((await errorsOf(["heal"])).text).toMatch(/give one injection id .* or --all/);
    expect((await errorsOf(["heal", "--all"])).code).toBe(2);
    vi.unstubAllEnvs();
  });
});
