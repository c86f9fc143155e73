import { passThrough, type ToxicKind } from "./toxic.ts";

/** noop: a creatable pass-through, as in Toxiproxy. */
export const noop: ToxicKind = {
  type: "noop",
  goStruct: "NoopToxic",
  attributes: {},
  bufferSize: 0,
  validate: () => undefined,
  run: (ctx) => passThrough(ctx),
};
