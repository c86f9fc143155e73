import readline from "node:readline";
import type { CheckResult } from "../checks/check.ts";
import { clockTime } from "../checks/format.ts";
import { progressAfterHeal } from "../checks/progress-after-heal.ts";
import { runChecks, worstVerdict } from "../checks/registry.ts";
import { deferSignals } from "../cleanup.ts";
import { closest } from "../cli/args.ts";
import type { DockerImages } from "../env/docker/images.ts";
import type { ProviderChoice } from "../env/start-environment.ts";
import { LeaseChaosError, UsageError } from "../errors.ts";
import { backendTerminated } from "../faults/backend-terminated.ts";
import { blackhole } from "../faults/blackhole.ts";
import { clockFault } from "../faults/clock.ts";
import type { Fault } from "../faults/fault.ts";
import { latency } from "../faults/latency.ts";
import { leaseRowLock } from "../faults/lease-row-lock.ts";
import { processKill } from "../faults/process-kill.ts";
import { processPause } from "../faults/process-pause.ts";
import { processRestart } from "../faults/process-restart.ts";
import { processStop } from "../faults/process-stop.ts";
import { proxyDown } from "../faults/proxy-down.ts";
import { sameIdentitySuccessor } from "../faults/same-identity-successor.ts";
import { workRowLock } from "../faults/work-row-lock.ts";
import { zombie } from "../faults/zombie.ts";
import { leasesOf, type Profile } from "../profile/profile.ts";
import { verdictTable } from "../report/console.ts";
import type { ActiveFault, Progress, Run } from "../run/run.ts";
import type { RunResult } from "../run/run-scenario.ts";
import { profileWorkers } from "../run/scenario.ts";
import { clock, Session } from "../run/session.ts";
import { timingsFor } from "../run/timing.ts";
import { ControlServer, type WatchState } from "./control.ts";
import { Narrator } from "./narrator.ts";
import {
  checkRequest,
  describeRequest,
  type FaultRequest,
  injectArgs,
  isInstant,
  streamsOf,
} from "./request.ts";

/** How a watch is opened. */
export interface WatchOptions {
  profile: Profile;
  lease: string;
  ttlMs: number;
  seed: number;
  runId: string;
  bug: string | null;
  provider: ProviderChoice;
  reportDir: string;
  reproduce: string;
  toxiproxyUrl?: string;
  images?: Partial<DockerImages>;
  /** start the target lease's workers under libfaketime, so that clock faults can be injected */
  clockFaults: boolean;
  print: Progress;
  /** typed commands (leases, checks, faults, quit); none when absent */
  input?: NodeJS.ReadableStream;
}

/** One `inject` as the watch keeps it: its faults (outage has one per worker) and its timer. */
interface Injection {
  id: string;
  request: FaultRequest;
  /** the request as it was asked (`--target leader`, before the holder was looked up): what a replay asks */
  asked: FaultRequest;
  /** when a `heal` command (not its --for, not the watch's stop) healed it */
  healedByCommandAt?: number;
  /** the workers it acts on */
  targets: string[];
  faults: ActiveFault[];
  timer: NodeJS.Timeout | null;
  healed: boolean;
  /** settles when injecting (and verifying) is over, whichever way */
  done: Promise<void>;
}

// What an injection holds on its target: two at once on the same one would undo each other (the
// same toxic, the same proxy switch, the same process state, the same clock file).
const HOLDS: Record<FaultRequest["kind"], string> = {
  pause: "process",
  kill: "process",
  restart: "process",
  stop: "process",
  zombie: "second process",
  latency: "latency toxics",
  blackhole: "blackhole toxics",
  refused: "proxy",
  outage: "proxy",
  "clock-step": "clock",
  "clock-rate": "clock",
  "lease-row-lock": "lease row lock",
  "work-row-lock": "work row locks",
  "backend-terminated": "sessions",
  "same-identity-successor": "process",
};

/** What `inject` answers. */
export interface InjectAnswer {
  id: string;
  description: string;
  windows: { id: string; target: string; detail: string; start: number }[];
  healAt: number | null;
  /** over once applied (a restart): nothing to heal */
  instant: boolean;
  t0: number;
}

/** What `heal` answers. */
export interface HealAnswer {
  healed: string[];
  t0: number;
}

/**
 * `lease-chaos watch`: a session with no steps of its own. It narrates what the leases do, takes
 * faults from `inject` and `heal` (in another terminal) through its control API, answers typed
 * commands, and when it stops (Ctrl-C, `quit`) heals, drains, judges and writes the report, as a
 * scenario's run does.
 */
export class Watch {
  readonly #injections: Injection[] = [];
  #counter = 0;
  #stopping = false;
  /** the injection being injected and verified now (one at a time: probes would muddle each other) */
  #injecting: Injection | null = null;
  readonly #stopped: Promise<string>;
  #stop: (why: string) => void = () => {};
  #control: ControlServer | null = null;
  #state: WatchState | null = null;
  #rl: readline.Interface | null = null;
  #undoSignals: () => void = () => {};

  private constructor(
    readonly session: Session,
    readonly narrator: Narrator,
    private readonly options: WatchOptions,
  ) {
    this.#stopped = new Promise((resolve) => {
      this.#stop = resolve;
    });
  }

  get run(): Run {
    return this.session.run;
  }

  /** Opens the environment, starts narrating and listening; closes everything again when that fails. */
  static async open(options: WatchOptions): Promise<Watch> {
    const began = performance.now();
    const { profile, lease, ttlMs } = options;
    const timings = timingsFor(ttlMs);
    // The narrator needs the session's zero, the session needs somewhere to send events from the first one.
    const relay: { to: Narrator | null } = { to: null };
    const session = await Session.open({
      name: "watch",
      runId: options.runId,
      profile,
      lease,
      seed: options.seed,
      ttlMs,
      timings,
      planned: profileWorkers({ profile, bug: options.bug, lease, timings }),
      bug: options.bug,
      reportDir: options.reportDir,
      reproduce: options.reproduce,
      progress: options.print,
      provider: options.provider,
      began,
      narrate: false,
      listen: (e) => relay.to?.event(e),
      ...(options.toxiproxyUrl ? { toxiproxyUrl: options.toxiproxyUrl } : {}),
      ...(options.images ? { images: options.images } : {}),
      ...(options.clockFaults ? { clockFaults: "wall" as const } : {}),
    });
    const narrator = new Narrator(session.t0, options.print);
    // Whatever was recorded while the environment started is told first, in order.
    for (const e of session.recorder.events) narrator.event(e);
    relay.to = narrator;
    const watch = new Watch(session, narrator, options);
    try {
      await watch.#listen();
    } catch (err) {
      await watch.#closeAll();
      throw err;
    }
    return watch;
  }

  async #listen(): Promise<void> {
    const control = new ControlServer({
      "POST /inject": (body) => this.inject(checkRequest(body)),
      "POST /heal": (body) => this.heal(body as { id?: string; all?: boolean }),
      "GET /status": async () => this.status(),
    });
    this.#control = control;
    this.#state = await control.start({
      runId: this.options.runId,
      provider: this.session.env.provider,
      startedAt: this.session.t0,
      reportDir: this.options.reportDir,
      workers: this.session.workers.map((w) => w.id),
    });
    this.#undoSignals = deferSignals((signal) => this.#stop(signal));
    if (this.options.input) {
      const rl = readline.createInterface({ input: this.options.input, terminal: false });
      this.#rl = rl;
      // One command at a time, answered in the order typed.
      let previous: Promise<void> = Promise.resolve();
      rl.on("line", (line) => {
        previous = previous.then(() => this.#command(line.trim()));
      });
    }
    const { print } = this.options;
    print("");
    print(
      `watching ${this.session.workers.map((w) => w.id).join(", ")} on ${this.session.env.provider}; times count from ${new Date(this.session.t0).toISOString()}`,
    );
    print(`  from another terminal: lease-chaos inject latency --target leader --latency-ms 1500 --for 20s`);
    print(`                         lease-chaos heal --all`);
    print(`  type leases, checks, faults or quit here; Ctrl-C stops, heals, judges and writes the report`);
    print("");
  }

  /** Resolves with why the watch stopped: a signal's name or `quit`. */
  stopped(): Promise<string> {
    return this.#stopped;
  }

  async #command(line: string): Promise<void> {
    const { print } = this.options;
    if (line === "") return;
    this.narrator.flush();
    try {
      if (line === "leases" || line === "l") for (const row of await this.leaseLines()) print(row);
      else if (line === "checks" || line === "c") print(this.checksSoFar());
      else if (line === "faults" || line === "f") for (const row of this.faultLines()) print(row);
      else if (line === "quit" || line === "q" || line === "stop") this.#stop("quit");
      else if (line === "help" || line === "h" || line === "?")
        print(
          "  leases (l): the lease rows now   checks (c): every check over what is recorded so far   faults (f): injections   quit (q): stop",
        );
      else print(`  unknown command ${JSON.stringify(line)}; type leases, checks, faults or quit`);
    } catch (err) {
      print(`  ${line}: ${(err as Error).message}`);
    }
  }

  /** The runbook's lease-row query, one line per lease: holder, epoch, expires_at with its zone. */
  async leaseLines(): Promise<string[]> {
    const lines: string[] = [];
    for (const lease of leasesOf(this.options.profile)) {
      const row = await this.run.leaseRow(lease);
      if (!row) {
        lines.push(`  ${lease}: no row`);
        continue;
      }
      const left = row.expiresAt === null ? null : row.expiresAt - Date.now();
      const expiry =
        row.expiresAt === null
          ? "no expires_at"
          : `expires_at ${clockTime(row.expiresAt)} (${clock(row.expiresAt, this.session.t0).slice(1, -1).trim()}), ${row.alreadyExpired ? `expired ${Math.round(-(left ?? 0))} ms ago` : `${Math.round(left ?? 0)} ms left`}`;
      lines.push(`  ${lease}: holder ${row.holder ?? "none"}, epoch ${row.epoch}, ${expiry}`);
    }
    return lines;
  }

  /** Every check over the evidence recorded so far, as the verdict table. */
  checksSoFar(): string {
    const evidence = this.session.evidence(this.run.healedAt, Date.now());
    // Progress is a claim about the end (the backlog drains once new work stops): judged then.
    const checks: CheckResult[] = runChecks(evidence, undefined).map((c) =>
      c.id === progressAfterHeal.id
        ? {
            ...c,
            verdict: "unknown",
            detail: "judged when the watch stops: new work stops, the backlog must drain",
            violations: [],
          }
        : c,
    );
    const sofar = worstVerdict(checks.filter((c) => c.id !== progressAfterHeal.id).map((c) => c.verdict));
    return `  checks over the ${evidence.events.length} events so far (the verdict comes when the watch stops; so far ${sofar.toUpperCase()}):\n${verdictTable(checks, sofar, [])}`;
  }

  faultLines(): string[] {
    if (this.#injections.length === 0) return ["  no injections yet"];
    return this.#injections.map((i) => {
      const w = i.faults[0]?.window;
      const span = w
        ? `${clock(w.start, this.session.t0)}${i.healed ? ` to ${clock(i.faults.at(-1)?.window.end ?? w.start, this.session.t0)}` : " on"}`
        : "";
      return `  ${i.id.padEnd(14)} ${describeRequest(i.request).padEnd(46)} ${span}`;
    });
  }

  status() {
    return {
      runId: this.options.runId,
      t0: this.session.t0,
      workers: this.session.workers.map((w) => ({ id: w.id, lease: w.leaseName, role: w.role })),
      injections: this.#injections.map((i) => ({
        id: i.id,
        description: describeRequest(i.request),
        healed: i.healed,
        windows: i.faults.map((f) => f.window),
      })),
    };
  }

  // A worker id, `leader` or `leader:LEASE`: the holder is read from the lease row now.
  async #resolveTarget(target: string): Promise<string> {
    const ids = this.session.workers.filter((w) => !w.extra).map((w) => w.id);
    const leader = /^leader(?::(.+))?$/.exec(target);
    if (leader) {
      const lease = leader[1] ?? this.options.lease;
      if (!leasesOf(this.options.profile).includes(lease))
        throw new UsageError(
          `--target ${target}: no worker holds lease ${JSON.stringify(lease)}; leases: ${leasesOf(this.options.profile).join(", ")}`,
        );
      const row = await this.run.leaseRow(lease);
      if (!row?.holder || row.alreadyExpired)
        throw new UsageError(
          `--target ${target}: lease ${lease} has no live holder now; name a worker (${ids.join(", ")})`,
        );
      if (!ids.includes(row.holder))
        throw new UsageError(
          `--target ${target}: the holder ${row.holder} is not one of the watched workers`,
        );
      return row.holder;
    }
    if (!ids.includes(target)) {
      const near = closest(target, ids);
      throw new UsageError(
        `--target ${JSON.stringify(target)} is not a watched worker${near ? `; did you mean ${near}?` : ""} (workers: ${ids.join(", ")}; or leader, leader:LEASE)`,
      );
    }
    return target;
  }

  #faultsFor(request: FaultRequest, target: string | null): Fault[] {
    const run = this.run;
    const w = target as string;
    switch (request.kind) {
      case "pause":
        return [processPause(w)];
      case "kill":
        return [processKill(w)];
      case "restart":
        return [processRestart(w)];
      case "stop":
        return [processStop(w, request.graceMs ?? run.ttlMs)];
      case "latency":
        return [
          latency(w, {
            latencyMs: request.latencyMs as number,
            jitterMs: request.jitterMs ?? 0,
            streams: streamsOf(request.direction ?? "both"),
          }),
        ];
      case "blackhole":
        return [blackhole(w, streamsOf(request.direction ?? "both"))];
      case "refused":
        return [proxyDown(w)];
      case "outage":
        return run.workers.filter((x) => !x.extra).map((x) => proxyDown(x.id));
      case "zombie":
        return [zombie(w, () => run.startZombie(w))];
      case "lease-row-lock":
        return [leaseRowLock(w, { waitMs: run.ttlMs })];
      case "work-row-lock":
        return [workRowLock(w, { waitMs: 2 * run.ttlMs })];
      case "backend-terminated":
        return [backendTerminated(w, { session: request.session ?? "any", findMs: 2 * run.ttlMs })];
      case "same-identity-successor":
        return [
          sameIdentitySuccessor(w, {
            start: () => run.startZombie(w),
            holdOff: run.standbysOf(w, run.workers.find((x) => x.id === w)?.leaseName),
            takeoverMs: 3 * run.ttlMs,
          }),
        ];
      case "clock-step":
      case "clock-rate": {
        const worker = run.workers.find((x) => x.id === w);
        if (!this.options.clockFaults)
          throw new UsageError(
            `${request.kind} needs the workers started under libfaketime: start the watch with --clock-faults`,
          );
        if (worker?.leaseName !== this.options.lease)
          throw new UsageError(
            `${request.kind}: ${w} holds ${worker?.leaseName}; --clock-faults starts only the workers of ${this.options.lease} (the watch's --lease) under libfaketime`,
          );
        const setting =
          request.kind === "clock-step"
            ? { offsetMs: request.offsetMs as number, rate: 1 }
            : { offsetMs: 0, rate: request.rate as number };
        return [
          clockFault(w, setting, async (timeoutMs) =>
            run.profile.capabilities.lineTime
              ? run.nextLine(w, null, timeoutMs).then(
                  (l) => (l.parsed ? l : null),
                  () => null,
                )
              : null,
          ),
        ];
      }
    }
  }

  /** Injects a fault on the watched environment, verified and recorded; heals it after forMs. */
  async inject(request: FaultRequest): Promise<InjectAnswer> {
    if (this.#stopping) throw new UsageError("the watch is stopping; no more injections");
    const busy = this.#injecting;
    if (busy)
      throw new UsageError(
        `${busy.id} is still being injected and verified (one at a time); run this again once it is`,
      );
    let settle: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const placeholder: Injection = {
      id: "",
      request,
      asked: request,
      targets: [],
      faults: [],
      timer: null,
      healed: false,
      done,
    };
    // Claimed before the first await: a second request arriving meanwhile is refused above.
    this.#injecting = placeholder;
    try {
      return await this.#inject(request, placeholder);
    } finally {
      this.#injecting = null;
      settle();
    }
  }

  async #inject(request: FaultRequest, injection: Injection): Promise<InjectAnswer> {
    const target = request.target === undefined ? null : await this.#resolveTarget(request.target);
    const resolved: FaultRequest = { ...request, ...(target ? { target } : {}) };
    const targets = target ? [target] : this.run.workers.filter((x) => !x.extra).map((x) => x.id);
    const holds = HOLDS[request.kind];
    const clash = this.#injections.find(
      (i) => !i.healed && HOLDS[i.request.kind] === holds && i.targets.some((t) => targets.includes(t)),
    );
    if (clash)
      throw new UsageError(
        `${clash.id} (${describeRequest(clash.request)}) already holds the ${holds} of ${clash.targets.filter((t) => targets.includes(t)).join(", ")}; heal it first (lease-chaos heal ${clash.id})`,
      );
    if (
      this.session.env.provider === "compose" &&
      (request.kind === "zombie" || request.kind.startsWith("clock"))
    )
      throw new UsageError(
        `${request.kind} cannot be injected into a compose stack the watch only attached to`,
      );
    const faults = this.#faultsFor(resolved, target);
    this.#counter += 1;
    injection.id = `${request.kind}-${this.#counter}`;
    injection.request = resolved;
    injection.targets = targets;
    this.#injections.push(injection);
    const said = request.target && request.target !== target ? ` (${request.target})` : "";
    this.narrator.say(Date.now(), `inject ${injection.id}: ${describeRequest(resolved)}${said}`);
    try {
      for (const fault of faults)
        injection.faults.push(
          await this.run.inject(fault, request.tolerable ? { tolerable: true } : {}).catch(async (err) => {
            // A fault that did not apply is in the evidence as such (the verdict will be unknown); undo it now.
            const window = this.run.faults.at(-1);
            if (window) injection.faults.push(window);
            throw err;
          }),
        );
    } catch (err) {
      this.narrator.say(Date.now(), `inject ${injection.id} did not take effect: ${(err as Error).message}`);
      // Undone at once, it stays in the evidence as an attempt; the engineer has been told (inject exits 3).
      await this.#healInjection(injection, "undone").then(
        () => {
          for (const f of injection.faults) {
            f.window.withdrawn = true;
            delete f.window.tolerable;
          }
        },
        () => {},
      );
      throw err;
    }
    const start = injection.faults[0]?.window.start ?? Date.now();
    this.#updateReproduce();
    this.narrator.say(
      Date.now(),
      `inject ${injection.id} verified: ${injection.faults.map((f) => f.window.detail).join("; ")}`,
    );
    let healAt: number | null = null;
    if (isInstant(request.kind)) {
      // Over once applied: its window closes now and nothing is left to heal.
      await this.#healInjection(injection, "instant");
      healAt = injection.faults.at(-1)?.window.end ?? Date.now();
    } else if (request.forMs !== undefined) {
      healAt = start + request.forMs;
      injection.timer = setTimeout(
        () => {
          injection.timer = null;
          // Once the watch is stopping, its own heal of everything takes over.
          if (this.#stopping) return;
          this.#healInjection(injection, `after ${request.forMs} ms`).catch((err) =>
            this.narrator.say(Date.now(), `heal ${injection.id} failed: ${(err as Error).message}`),
          );
        },
        Math.max(0, healAt - Date.now()),
      );
    }
    return {
      id: injection.id,
      description: describeRequest(resolved),
      windows: injection.faults.map((f) => ({
        id: f.window.id,
        target: f.window.target,
        detail: f.window.detail,
        start: f.window.start,
      })),
      healAt,
      instant: isInstant(request.kind),
      t0: this.session.t0,
    };
  }

  async #healInjection(injection: Injection, why: string): Promise<void> {
    if (injection.timer) clearTimeout(injection.timer);
    injection.timer = null;
    if (injection.healed) return;
    // Still being injected: its faults are healed once they are all on (or have failed).
    if (this.#injecting === injection && why !== "undone" && why !== "instant") await injection.done;
    if (injection.healed) return;
    const failures: string[] = [];
    for (const f of injection.faults) await f.heal().catch((err) => failures.push((err as Error).message));
    if (failures.length)
      throw new LeaseChaosError("E_HEAL", `heal of ${injection.id} failed: ${failures.join("; ")}`);
    injection.healed = true;
    const end = injection.faults.at(-1)?.window.end ?? Date.now();
    if (why !== "undone" && why !== "instant")
      this.narrator.say(end, `heal ${injection.id}: ${describeRequest(injection.request)} is off (${why})`);
  }

  /** Heals one injection (by its id or one of its windows' ids) or all of them. */
  async heal(body: { id?: string; all?: boolean }): Promise<HealAnswer> {
    if (this.#stopping) throw new UsageError("the watch is stopping; it heals everything itself");
    const open = this.#injections.filter((i) => !i.healed);
    let chosen: Injection[];
    if (body.all) chosen = open;
    else if (typeof body.id === "string") {
      // An injection's own id first: window ids count windows (an outage has one per worker).
      const found =
        this.#injections.find((i) => i.id === body.id) ??
        this.#injections.find((i) => i.faults.some((f) => f.window.id === body.id));
      if (!found) {
        const ids = this.#injections.map((i) => i.id);
        const near = closest(body.id, ids);
        throw new UsageError(
          `no injection ${JSON.stringify(body.id)}${near ? `; did you mean ${near}?` : ""} (${ids.length ? `injections: ${ids.join(", ")}` : "none yet"})`,
        );
      }
      if (found.healed) return { healed: [], t0: this.session.t0 };
      chosen = [found];
    } else throw new UsageError("name an injection to heal, or give --all");
    // Every one is tried, whatever another's heal does.
    const failures: string[] = [];
    const healed: string[] = [];
    for (const i of chosen)
      await this.#healInjection(i, "heal").then(
        () => {
          healed.push(i.id);
          i.healedByCommandAt = i.faults.at(-1)?.window.end ?? Date.now();
        },
        (err) => failures.push((err as Error).message),
      );
    this.#updateReproduce();
    if (failures.length)
      throw new LeaseChaosError(
        "E_HEAL",
        `${failures.join("; ")}${healed.length ? ` (healed: ${healed.join(", ")})` : ""}`,
      );
    return { healed, t0: this.session.t0 };
  }

  /**
   * The command that repeats this watch: the watch itself, then every injection that took effect
   * and every heal command, each at its time on the watch's clock. Kept in the session's spec, so
   * that the report (an interrupted one too) carries it.
   */
  #updateReproduce(): void {
    const at = (ts: number) => clock(ts, this.session.t0).slice(1, -1).trim();
    const steps: { ts: number; line: string }[] = [];
    for (const i of this.#injections) {
      const first = i.faults[0]?.window;
      if (!first || first.withdrawn) continue;
      steps.push({ ts: first.start, line: `npx lease-chaos inject ${injectArgs(i.asked)}` });
      if (i.healedByCommandAt !== undefined)
        steps.push({ ts: i.healedByCommandAt, line: `npx lease-chaos heal ${i.id}` });
    }
    steps.sort((a, b) => a.ts - b.ts);
    this.session.spec.reproduce = steps.length
      ? `${this.options.reproduce}, then from another terminal: ${steps.map((s) => `at ${at(s.ts)} ${s.line}`).join("; ")}`
      : this.options.reproduce;
  }

  /** Heals, drains, judges, writes the report (the timeline with it) and stops everything. */
  async finish(why: string): Promise<RunResult> {
    this.#stopping = true;
    this.#undoSignals();
    // A second Ctrl-C from here on exits at once, through the cleanup handlers (the events file is on disk).
    for (const i of this.#injections) if (i.timer) clearTimeout(i.timer);
    const open = this.#injections.filter((i) => !i.healed).length;
    const pending = this.#injecting;
    const onStack =
      this.session.env.provider === "compose" ? " (on a compose stack, faults still on then stay on)" : "";
    // Through the narrator, so that anything stamped before it and printed after says it came late.
    this.narrator.say(
      Date.now(),
      `stopping (${why}): ${pending ? `waiting for ${pending.id} to be verified, ` : ""}${open ? `healing ${open} injection${open === 1 ? "" : "s"}, ` : ""}draining the backlog, judging; Ctrl-C again stops at once${onStack}`,
    );
    this.narrator.flush();
    await pending?.done;
    try {
      return await this.session.finish([]);
    } finally {
      await this.#closeAll();
    }
  }

  async #closeAll(): Promise<void> {
    this.#undoSignals();
    this.#rl?.close();
    this.#rl = null;
    await this.#control?.close();
    this.#control = null;
    this.narrator.close();
    await this.session.close();
  }

  /** The state `inject` and `heal` read (where the control API listens). */
  get state(): WatchState | null {
    return this.#state;
  }
}
