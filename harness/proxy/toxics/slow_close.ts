import { monotonicMs } from "../clock.ts";
import { atLeast, type Chunk, type ToxicKind } from "./toxic.ts";

/** slow_close {delay} ms: data passes; the close that follows the source's EOF is delayed. */
export const slowClose: ToxicKind = {
  type: "slow_close",
  goStruct: "SlowCloseToxic",
  attributes: { delay: "int64" },
  bufferSize: 0,
  validate: (attrs) => atLeast(attrs, "slow_close", ["delay"]),
  run(ctx, attrs) {
    let eof: Chunk | undefined;
    return {
      onChunk(chunk) {
        if (chunk.data !== null) {
          ctx.forward(chunk);
          return true;
        }
        eof = chunk;
        ctx.at(monotonicMs() + (attrs.delay ?? 0), () => {
          eof = undefined;
          ctx.forward(chunk);
        });
        return false;
      },
      onInterrupt() {
        // Nothing is lost: the restarted stage sees the EOF again and waits afresh.
        if (eof) ctx.requeue(eof);
        eof = undefined;
      },
    };
  },
};
