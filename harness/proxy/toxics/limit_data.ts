import { atLeast, type ToxicKind } from "./toxic.ts";

/**
 * limit_data {bytes}: forwards at most `bytes` bytes in its direction (counted per connection from
 * when the toxic attached, kept across updates), truncating the chunk that crosses the limit, then
 * closes the connection; with 0 it closes on the first chunk.
 */
export const limitData: ToxicKind = {
  type: "limit_data",
  goStruct: "LimitDataToxic",
  attributes: { bytes: "int64" },
  bufferSize: 0,
  validate: (attrs) => atLeast(attrs, "limit_data", ["bytes"]),
  run(ctx, attrs, state) {
    const limit = attrs.bytes ?? 0;
    return {
      onChunk(chunk) {
        if (chunk.data === null) {
          ctx.end();
          return true;
        }
        const sent = state.sent ?? 0;
        const remaining = limit - sent;
        if (remaining > 0) {
          const data = chunk.data.length > remaining ? chunk.data.subarray(0, remaining) : chunk.data;
          ctx.forward({ data, readAtMs: chunk.readAtMs });
          state.sent = sent + data.length;
        }
        if (limit - (state.sent ?? 0) <= 0) ctx.end();
        return true;
      },
    };
  },
};
