import { monotonicMs } from "../clock.ts";
import { atLeast, type ToxicKind } from "./toxic.ts";

/**
 * reset_peer {timeout} ms: on the first chunk in its direction (never while idle) it discards it,
 * waits `timeout` ms (not interruptible) and closes the connection. Connections opened while the
 * toxic exists have SO_LINGER 0, so that close (and any later one) is a TCP RST.
 */
export const resetPeer: ToxicKind = {
  type: "reset_peer",
  goStruct: "ResetToxic",
  attributes: { timeout: "int64" },
  bufferSize: 0,
  resetsOnClose: true,
  validate: (attrs) => atLeast(attrs, "reset_peer", ["timeout"]),
  run(ctx, attrs) {
    return {
      onChunk(chunk) {
        if (chunk.data === null) {
          ctx.end();
          return true;
        }
        ctx.atUninterruptible(monotonicMs() + (attrs.timeout ?? 0), () => ctx.end());
        return false;
      },
    };
  },
};
