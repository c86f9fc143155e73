import type { Socket } from "node:net";
import { monotonicMs, type Scheduler, type Timer } from "./clock.ts";
import type { ByteCounter } from "./metrics.ts";
import type { Random } from "./random.ts";
import type { ToxicSpec } from "./toxic-spec.ts";
import {
  type Chunk,
  passThrough,
  type StageContext,
  type StageState,
  type ToxicRun,
} from "./toxics/toxic.ts";

/** What a link needs from the connection that owns it. */
export interface LinkOwner {
  readonly scheduler: Scheduler;
  /** closes a socket the way this connection closes (FIN after flushing, or RST) */
  closeSocket(socket: Socket): void;
}

const idle: ToxicRun = { onChunk: () => false };

/** One toxic of one link: an input queue and the current run of the toxic. */
class Stage implements StageContext {
  index = 0;
  private queue: (Chunk | undefined)[] = [];
  private head = 0;
  private busy = false;
  private ended = false;
  private removed = false;
  private timer: Timer | undefined;
  private run: ToxicRun = idle;
  private readonly state: StageState = {};

  constructor(
    private readonly link: Link,
    public spec: ToxicSpec,
  ) {}

  get random(): Random {
    return this.link.random;
  }

  get length(): number {
    return this.queue.length - this.head;
  }

  /** (Re)starts the toxic with a fresh toxicity draw, then takes queued input. */
  start(): void {
    if (this.ended) return;
    const spec = this.spec;
    this.run =
      this.link.random() < spec.toxicity
        ? spec.kind.run(this, spec.attributes, this.state)
        : passThrough(this);
    this.pump();
  }

  /** Stops the current run; it hands on what it holds according to its type. */
  interrupt(): void {
    this.cancelTimer();
    const run = this.run;
    const wasBusy = this.busy;
    this.run = idle;
    this.busy = false;
    if (wasBusy && !this.ended) run.onInterrupt?.();
  }

  /** Takes everything still queued (removal flushes it onward without delay). */
  drain(): Chunk[] {
    const rest = this.queue.slice(this.head) as Chunk[];
    this.link.queued -= rest.length;
    this.queue = [];
    this.head = 0;
    return rest;
  }

  /** The stage left the chain (removed, or the connection is gone): stop for good, hand nothing on. */
  dispose(): void {
    this.ended = true;
    this.removed = true;
    this.interrupt();
    this.drain();
  }

  push(chunk: Chunk): void {
    if (this.ended) return;
    this.queue.push(chunk);
    this.link.queued++;
    if (!this.busy) this.pump();
  }

  forward(chunk: Chunk): void {
    if (this.ended) return;
    if (chunk.data === null) {
      // Like a closed Go channel: nothing passes this stage after EOF.
      this.ended = true;
      this.cancelTimer();
      this.drain();
    }
    this.link.deliver(this.index + 1, chunk);
  }

  resume(): void {
    this.busy = false;
    this.pump();
  }

  requeue(chunk: Chunk): void {
    if (this.head > 0) this.queue[--this.head] = chunk;
    else this.queue.unshift(chunk);
    this.link.queued++;
  }

  at(atMs: number, fn: () => void): void {
    this.cancelTimer();
    this.timer = this.link.scheduler.at(atMs, () => {
      this.timer = undefined;
      fn();
    });
  }

  atUninterruptible(atMs: number, fn: () => void): void {
    this.link.at(atMs, fn);
  }

  end(): void {
    const eof = { data: null, readAtMs: monotonicMs() };
    // reset_peer's wait outlives the removal of its stage; it then closes the chain where it stood.
    if (this.removed) this.link.deliver(this.index, eof);
    else this.forward(eof);
  }

  private cancelTimer(): void {
    if (this.timer) this.link.scheduler.cancel(this.timer);
    this.timer = undefined;
  }

  private pump(): void {
    const link = this.link;
    while (!this.busy && !this.ended && this.head < this.queue.length) {
      const chunk = this.queue[this.head] as Chunk;
      this.queue[this.head++] = undefined;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      link.queued--;
      this.busy = true;
      if (this.run.onChunk(chunk)) this.busy = false;
    }
    link.maybeResume();
  }
}

/**
 * One direction of a connection: source socket, one stage per toxic of that direction in insertion
 * order, destination socket. With no toxics, bytes go straight from the source to the destination.
 * Backpressure: the source pauses while the destination's buffer is full or the stages hold more
 * chunks than their buffers allow. `counter` gets the length of every chunk read (received) and
 * of every chunk handed to the destination (sent): one addition per chunk, nothing per byte.
 */
export class Link {
  /** chunks waiting in stage inputs */
  queued = 0;
  private readonly stages: Stage[] = [];
  private readonly timers = new Set<Timer>();
  private highWater = 2;
  private writerBlocked = false;
  private sourcePaused = false;
  private sourceDone = false;
  private writerDone = false;
  private disposed = false;

  constructor(
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly owner: LinkOwner,
    readonly random: Random,
    toxics: readonly ToxicSpec[],
    private readonly counter: ByteCounter,
  ) {
    for (const spec of toxics) this.stages.push(new Stage(this, spec));
    this.reindex();
    for (const stage of this.stages) stage.start();
    src.on("data", this.onData);
    src.on("end", this.onSourceEnd);
    src.on("close", this.onSourceEnd);
    dst.on("drain", this.onDrain);
  }

  get scheduler(): Scheduler {
    return this.owner.scheduler;
  }

  /** Appends a stage for a toxic added while the connection is open. */
  add(spec: ToxicSpec): void {
    if (this.disposed) return;
    const last = this.stages.at(-1);
    last?.interrupt(); // its held chunk goes straight to the destination, as in Toxiproxy
    const stage = new Stage(this, spec);
    this.stages.push(stage);
    this.reindex();
    stage.start();
    last?.start();
  }

  /** Restarts the stage of an updated toxic with its new values (and a new toxicity draw). */
  restart(name: string): void {
    const stage = this.stages.find((s) => s.spec.name === name);
    if (!stage) return;
    stage.interrupt();
    stage.start();
  }

  /**
   * Removes a toxic's stage: its held chunk and queued input go on at once, the previous stage is
   * restarted. With `closeAfter` (timeout's cleanup) the connection then closes.
   */
  remove(name: string, closeAfter: boolean): void {
    const i = this.stages.findIndex((s) => s.spec.name === name);
    const stage = this.stages[i];
    if (!stage) return;
    stage.interrupt();
    const rest = stage.drain();
    stage.dispose();
    this.stages.splice(i, 1);
    this.reindex();
    for (const chunk of rest) this.deliver(i, chunk);
    if (closeAfter) this.deliver(i, { data: null, readAtMs: monotonicMs() });
    const previous = this.stages[i - 1];
    if (previous) {
      previous.interrupt();
      previous.start();
    }
    this.maybeResume();
  }

  /** Hands a chunk to stage `index`, or to the destination past the last stage. */
  deliver(index: number, chunk: Chunk): void {
    const stage = this.stages[index];
    if (stage) stage.push(chunk);
    else this.write(chunk);
  }

  /** A link-owned wait that survives interrupts; cancelled when the connection ends. */
  at(atMs: number, fn: () => void): void {
    const timer = this.scheduler.at(atMs, () => {
      this.timers.delete(timer);
      fn();
    });
    this.timers.add(timer);
  }

  /** Resumes the source once the destination drained and the stages have room. */
  maybeResume(): void {
    if (this.sourcePaused && !this.writerBlocked && this.queued < this.highWater && !this.disposed) {
      this.sourcePaused = false;
      this.src.resume();
    }
  }

  /** Stops every stage and timer (the connection closed or was dropped). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const stage of this.stages) stage.dispose();
    for (const timer of this.timers) this.scheduler.cancel(timer);
    this.timers.clear();
    this.src.off("data", this.onData);
    this.dst.off("drain", this.onDrain);
  }

  private reindex(): void {
    let buffered = 0;
    this.stages.forEach((stage, i) => {
      stage.index = i;
      buffered += stage.spec.kind.bufferSize;
    });
    this.highWater = Math.max(2, buffered + 1);
  }

  private write(chunk: Chunk): void {
    if (this.writerDone) return;
    if (chunk.data === null) {
      // Toxiproxy never half-closes: the end of the chain closes the destination fully.
      this.writerDone = true;
      this.owner.closeSocket(this.dst);
      return;
    }
    if (this.dst.destroyed) return;
    this.counter.sent += chunk.data.length;
    if (!this.dst.write(chunk.data)) this.block();
  }

  private block(): void {
    this.writerBlocked = true;
    if (!this.sourcePaused) {
      this.sourcePaused = true;
      this.src.pause();
    }
  }

  private readonly onData = (data: Buffer): void => {
    this.counter.received += data.length;
    const first = this.stages[0];
    if (first === undefined) {
      // Fast path: no toxic in this direction.
      if (this.writerDone || this.dst.destroyed) return;
      this.counter.sent += data.length;
      if (!this.dst.write(data)) this.block();
      return;
    }
    first.push({ data, readAtMs: monotonicMs() });
    if (this.queued >= this.highWater && !this.sourcePaused) {
      this.sourcePaused = true;
      this.src.pause();
    }
  };

  private readonly onSourceEnd = (): void => {
    if (this.sourceDone || this.disposed) return;
    this.sourceDone = true;
    this.deliver(0, { data: null, readAtMs: monotonicMs() });
  };

  private readonly onDrain = (): void => {
    this.writerBlocked = false;
    this.maybeResume();
  };
}
