import { afterEach, describe, expect, it } from "vitest";
import { envPrefix, envValues } from "./template.ts";

describe("the {{env.NAME}} values a run used", () => {
  afterEach(() => {
    delete process.env.LC_TEST_SWITCH;
  });

  it("reads each once, from the environment or the template's default, and says which", () => {
    process.env.LC_TEST_SWITCH = "slow path";
    const data = {
      roles: { a: { env: { X: "{{env.LC_TEST_SWITCH:-off}}", Y: "{{env.LC_TEST_UNSET:-7}} {{pg.port}}" } } },
      variants: { v: { env: { Z: "{{env.LC_TEST_SWITCH}}" } } },
    };
    expect(envValues(data)).toEqual([
      { name: "LC_TEST_SWITCH", value: "slow path", set: true },
      { name: "LC_TEST_UNSET", value: "7", set: false },
    ]);
  });

  it("puts the ones the environment set in front of a command line, quoted for a shell", () => {
    expect(
      envPrefix([
        { name: "A", value: "it's on" },
        { name: "B", value: "1" },
      ]),
    ).toBe("A='it'\\''s on' B=1 ");
  });
});
