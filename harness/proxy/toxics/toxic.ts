import type { Random } from "../random.ts";

/** The bytes of one read() on the source socket, stamped with the monotonic read time; `data: null` is EOF. */
export interface Chunk {
  data: Buffer | null;
  readAtMs: number;
}

/** A toxic's integer attributes, by the JSON key the API uses. */
export type Attributes = Record<string, number>;

/** Per-link state of one toxic that survives restarts of its stage (limit_data's byte count). */
export type StageState = Record<string, number>;

/** What a running toxic may do to the link it sits in. */
export interface StageContext {
  /** the link's own seeded draws (jitter, slicer offsets) */
  readonly random: Random;
  /** hands a chunk (or EOF) to the next stage, or to the destination socket */
  forward(chunk: Chunk): void;
  /** the run is done with the chunk it kept (it returned false from onChunk) */
  resume(): void;
  /** puts a chunk back at the head of this stage's input, to be seen again after a restart */
  requeue(chunk: Chunk): void;
  /** calls `fn` at monotonic `atMs`; an interrupt cancels it (one such wait per run) */
  at(atMs: number, fn: () => void): void;
  /** as `at`, but only the end of the connection cancels it (reset_peer's wait) */
  atUninterruptible(atMs: number, fn: () => void): void;
  /** closes the chain here: EOF goes on, the connection closes, later input is dropped */
  end(): void;
}

/** One run of a toxic on one link, from a (re)start to the next interrupt. */
export interface ToxicRun {
  /** takes one chunk; true when finished with it, false when it will call ctx.resume() later */
  onChunk(chunk: Chunk): boolean;
  /** the stage is being restarted or removed: hand on what the run holds, per the type's rule */
  onInterrupt?(): void;
}

/** The definition of a toxic type: attributes, validation and behaviour. */
export interface ToxicKind {
  /** the API's `type` value and the file name */
  type: string;
  /** Go struct name, used in the decoder's error text as Toxiproxy words it */
  goStruct: string;
  /** attribute keys in Toxiproxy's output order, with their Go integer type */
  attributes: Record<string, "int64" | "int">;
  /** input buffer in chunks (latency 1024, others 0); sets how far data queues before the socket pauses */
  bufferSize: number;
  /** a message when the attributes would crash or hang Toxiproxy; undefined when they are fine */
  validate(attrs: Attributes): string | undefined;
  /** starts a run; called on every (re)start whose toxicity draw hits */
  run(ctx: StageContext, attrs: Attributes, state: StageState): ToxicRun;
  /** removing it closes every connection of the proxy (timeout's cleanup) */
  closesOnRemove?: boolean;
  /** connections opened while it exists are closed with RST (SO_LINGER 0) */
  resetsOnClose?: boolean;
}

/** A run that hands every chunk on unchanged: noop, and any toxic whose toxicity draw missed. */
export function passThrough(ctx: StageContext): ToxicRun {
  return {
    onChunk(chunk) {
      ctx.forward(chunk);
      return true;
    },
  };
}

/** Validation helper: the message for the first attribute below `min`, if any. */
export function atLeast(
  attrs: Attributes,
  type: string,
  keys: readonly string[],
  min = 0,
): string | undefined {
  for (const key of keys) {
    const value = attrs[key] ?? 0;
    if (value < min) return `${type} ${key} must be >= ${min}, got ${value}`;
  }
  return undefined;
}
