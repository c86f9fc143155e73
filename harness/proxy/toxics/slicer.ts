import { monotonicMs } from "../clock.ts";
import { intBetween, type Random } from "../random.ts";
import { atLeast, type Chunk, type ToxicKind } from "./toxic.ts";

/**
 * Cut points of a chunk of `length` bytes: split at the midpoint shifted by a draw in
 * [-variation, variation-1] until every piece is at most average + variation bytes.
 */
export function slicePoints(length: number, average: number, variation: number, random: Random): number[] {
  const points = [0];
  // Iterative depth-first split, left piece first, so the points come out in order.
  const stack: [number, number][] = [[0, length]];
  while (stack.length > 0) {
    const [start, end] = stack.pop() as [number, number];
    if (end - start - average <= variation) {
      points.push(end);
      continue;
    }
    const offset = variation > 0 ? intBetween(random, -variation, variation) : 0;
    const mid = start + Math.floor((end - start) / 2) + offset;
    stack.push([mid, end], [start, mid]);
  }
  return points;
}

/**
 * slicer {average_size, size_variation, delay}: splits each chunk into pieces of about
 * average_size bytes, with `delay` *microseconds* after each piece.
 */
export const slicer: ToxicKind = {
  type: "slicer",
  goStruct: "SlicerToxic",
  attributes: { average_size: "int", size_variation: "int", delay: "int" },
  bufferSize: 0,
  validate(attrs) {
    const average = attrs.average_size ?? 0;
    const variation = attrs.size_variation ?? 0;
    // Toxiproxy recurses forever on average_size 0, and can cut empty pieces when variation >= average.
    if (average < 1) return `slicer average_size must be >= 1, got ${average}`;
    if (variation < 0 || variation >= average) {
      return `slicer size_variation must be >= 0 and < average_size (${average}), got ${variation}`;
    }
    return atLeast(attrs, "slicer", ["delay"]);
  },
  run(ctx, attrs) {
    const average = attrs.average_size ?? 1;
    const variation = attrs.size_variation ?? 0;
    const delayMs = (attrs.delay ?? 0) / 1000;
    let current: Chunk | undefined;
    let points: number[] = [];
    let next = 1;

    const finishAfterLastDelay = (): void => ctx.resume();

    return {
      onChunk(chunk) {
        if (chunk.data === null) {
          ctx.forward(chunk);
          return true;
        }
        points = slicePoints(chunk.data.length, average, variation, ctx.random);
        next = 1;
        current = chunk;
        if (delayMs > 0) {
          emitWithDelay();
          return false;
        }
        emitAll();
        return true;
      },
      onInterrupt() {
        // The rest of the current chunk goes on as one piece.
        if (current && next < points.length) {
          const data = current.data as Buffer;
          ctx.forward({ data: data.subarray(points[next - 1] as number), readAtMs: current.readAtMs });
        }
        current = undefined;
      },
    };

    function emitAll(): void {
      const chunk = current as Chunk;
      const data = chunk.data as Buffer;
      for (let i = 1; i < points.length; i++) {
        ctx.forward({
          data: data.subarray(points[i - 1] as number, points[i] as number),
          readAtMs: chunk.readAtMs,
        });
      }
      current = undefined;
    }

    function emitWithDelay(): void {
      const chunk = current as Chunk;
      const data = chunk.data as Buffer;
      const from = points[next - 1] as number;
      const to = points[next] as number;
      next++;
      ctx.forward({ data: data.subarray(from, to), readAtMs: chunk.readAtMs });
      const last = next >= points.length;
      if (last) current = undefined;
      ctx.at(monotonicMs() + delayMs, last ? finishAfterLastDelay : emitWithDelay);
    }
  },
};
