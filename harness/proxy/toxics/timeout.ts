import { monotonicMs } from "../clock.ts";
import { atLeast, type ToxicKind } from "./toxic.ts";

/**
 * timeout {timeout} ms: drops all data in its direction; closes the connection after `timeout` ms
 * with no chunk arriving (an idle timer, restarted by every chunk and every stage restart).
 * 0 never fires. Removing it closes every connection of the proxy, as Toxiproxy's cleanup does.
 */
export const timeout: ToxicKind = {
  type: "timeout",
  goStruct: "TimeoutToxic",
  attributes: { timeout: "int64" },
  bufferSize: 0,
  closesOnRemove: true,
  validate: (attrs) => atLeast(attrs, "timeout", ["timeout"]),
  run(ctx, attrs) {
    const idleMs = attrs.timeout ?? 0;
    const fire = (): void => ctx.end();
    const arm = (): void => {
      if (idleMs > 0) ctx.at(monotonicMs() + idleMs, fire);
    };
    arm();
    return {
      onChunk(chunk) {
        if (chunk.data === null) ctx.end();
        else arm();
        return true;
      },
    };
  },
};
