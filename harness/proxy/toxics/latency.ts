import { intBetween } from "../random.ts";
import { atLeast, type Chunk, type ToxicKind } from "./toxic.ts";

/**
 * latency {latency, jitter} ms: each chunk leaves `latency ± jitter` after it was *read*, in FIFO
 * order, so chunks wait concurrently and throughput is not reduced.
 */
export const latency: ToxicKind = {
  type: "latency",
  goStruct: "LatencyToxic",
  attributes: { latency: "int64", jitter: "int64" },
  bufferSize: 1024,
  validate: (attrs) => atLeast(attrs, "latency", ["latency", "jitter"]),
  run(ctx, attrs) {
    const latencyMs = attrs.latency ?? 0;
    const jitterMs = attrs.jitter ?? 0;
    let held: Chunk | undefined;
    const release = (): void => {
      const chunk = held as Chunk;
      held = undefined;
      ctx.forward(chunk);
      ctx.resume();
    };
    return {
      onChunk(chunk) {
        if (chunk.data === null) {
          ctx.forward(chunk);
          return true;
        }
        // Toxiproxy draws from [-jitter, jitter-1]; a second latency toxic counts from this release.
        const delayMs = jitterMs > 0 ? latencyMs + intBetween(ctx.random, -jitterMs, jitterMs) : latencyMs;
        const releaseAtMs = chunk.readAtMs + delayMs;
        chunk.readAtMs = releaseAtMs;
        if (delayMs <= 0) {
          ctx.forward(chunk);
          return true;
        }
        held = chunk;
        ctx.at(releaseAtMs, release);
        return false;
      },
      onInterrupt() {
        // Interrupted: the held chunk goes on without the rest of its delay.
        if (held) ctx.forward(held);
        held = undefined;
      },
    };
  },
};
