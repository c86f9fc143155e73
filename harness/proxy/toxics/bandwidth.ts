import { monotonicMs } from "../clock.ts";
import { atLeast, type Chunk, type ToxicKind } from "./toxic.ts";

const SLICE_MS = 100;

/**
 * bandwidth {rate} KB/s (1 KB = 1000 B), per connection: the sleep owed is accumulated across
 * chunks and corrected by the time actually slept; big chunks go out in 100 ms slices.
 * rate 0 stalls the link until the toxic is updated or removed.
 */
export const bandwidth: ToxicKind = {
  type: "bandwidth",
  goStruct: "BandwidthToxic",
  attributes: { rate: "int64" },
  bufferSize: 0,
  // Toxiproxy panics (and exits) on the first chunk when rate < 0.
  validate: (attrs) => atLeast(attrs, "bandwidth", ["rate"]),
  run(ctx, attrs) {
    const rate = attrs.rate ?? 0;
    const sliceBytes = rate * SLICE_MS;
    let owedMs = 0;
    let current: Chunk | undefined;
    let sleptFromMs = 0;

    const finish = (): void => {
      owedMs -= monotonicMs() - sleptFromMs;
      const chunk = current as Chunk;
      current = undefined;
      ctx.forward(chunk);
      ctx.resume();
    };
    const step = (): void => {
      const chunk = current as Chunk;
      const data = chunk.data as Buffer;
      if (data.length > sliceBytes) {
        ctx.at(monotonicMs() + SLICE_MS, () => {
          ctx.forward({ data: data.subarray(0, sliceBytes), readAtMs: chunk.readAtMs });
          chunk.data = data.subarray(sliceBytes);
          owedMs -= SLICE_MS;
          step();
        });
        return;
      }
      sleptFromMs = monotonicMs();
      ctx.at(sleptFromMs + owedMs, finish);
    };

    return {
      onChunk(chunk) {
        if (chunk.data === null) {
          ctx.forward(chunk);
          return true;
        }
        current = chunk;
        if (rate <= 0) return false; // held until an interrupt hands it on
        owedMs += chunk.data.length / rate;
        step();
        return false;
      },
      onInterrupt() {
        if (current) ctx.forward(current);
        current = undefined;
      },
    };
  },
};
