import { UsageError } from "../errors.ts";
import { clock } from "../run/session.ts";
import { callWatch, requireWatch } from "../watch/control.ts";
import {
  checkRequest,
  DIRECTIONS,
  INJECT_KINDS,
  type InjectKind,
  KIND_HELP,
  parseDuration,
} from "../watch/request.ts";
import type { InjectAnswer } from "../watch/watch.ts";
import { closest, intOption, type OptionSpecs, optionsHelp, parseOptions } from "./args.ts";
import { type Command, EXIT } from "./command.ts";

const OPTIONS: OptionSpecs = {
  target: { type: "string", help: "a worker id (as `watch` lists them), leader, or leader:LEASE" },
  for: {
    type: "string",
    help: "heal after this long, e.g. 20s, 1500ms, 2m (default: until heal or the watch stops)",
  },
  "latency-ms": { type: "string", help: "latency: delay per direction, default 1500" },
  "jitter-ms": { type: "string", help: "latency: +- this much at random, default 0" },
  direction: {
    type: "string",
    help: `latency, blackhole: ${DIRECTIONS.join(", ")} (downstream = the replies), default both`,
  },
  "grace-ms": { type: "string", help: "stop: how long SIGTERM gives it before SIGKILL, default the ttl" },
  "offset-ms": { type: "string", help: "clock-step: how far the wall clock steps (negative steps back)" },
  rate: { type: "string", help: "clock-rate: how fast the worker's clocks run, e.g. 1.5" },
  session: {
    type: "string",
    help: "backend-terminated: which of the worker's sessions, lease, work or any (default any)",
  },
  tolerable: {
    type: "boolean",
    help: "a correct system rides this one out with no failover (judged by no-needless-failover)",
  },
  json: { type: "boolean", help: "print the watch's answer as JSON" },
};

const kindRows = INJECT_KINDS.map((k) => `  ${k.padEnd(12)}${KIND_HELP[k].what}`).join("\n");

/** `lease-chaos inject`: a fault on the environment a running `watch` holds, verified and recorded there. */
export const injectCommand: Command = {
  name: "inject",
  summary:
    "inject a fault into the environment a running watch holds (verified, recorded, healed at the end)",
  usage: `usage: lease-chaos inject KIND --target WORKER|leader[:LEASE] [options] [--for DURATION]

kinds:
${kindRows}

${optionsHelp(OPTIONS)}

Acts on the watch running on this machine (LEASE_CHAOS_WATCH_FILE names its state file).
exit 0 injected and verified, 2 bad input or no watch running, 3 the fault did not take effect`,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, OPTIONS, true);
    if (positionals.length !== 1)
      throw new UsageError(
        positionals.length === 0
          ? `name a fault kind: ${INJECT_KINDS.join(", ")}`
          : `give one fault kind, got ${positionals.join(" ")}`,
      );
    const kind = positionals[0] as string;
    if (!INJECT_KINDS.includes(kind as InjectKind)) {
      const near = closest(kind, [...INJECT_KINDS]);
      throw new UsageError(
        `unknown fault kind ${JSON.stringify(kind)}${near ? `; did you mean ${near}?` : ""} (kinds: ${INJECT_KINDS.join(", ")})`,
      );
    }
    const rate = values.rate;
    if (rate !== undefined && !/^\d+(\.\d+)?$/.test(String(rate)))
      throw new UsageError(`--rate must be a number such as 1.5, got ${JSON.stringify(rate)}`);
    const big = { min: -86_400_000, max: 86_400_000 };
    const request = checkRequest({
      kind,
      target: values.target,
      latencyMs: intOption(values, "latency-ms", big),
      jitterMs: intOption(values, "jitter-ms", big),
      direction: values.direction,
      graceMs: intOption(values, "grace-ms", big),
      offsetMs: intOption(values, "offset-ms", big),
      rate: rate === undefined ? undefined : Number(rate),
      session: values.session,
      forMs: typeof values.for === "string" ? parseDuration("--for", values.for) : undefined,
      tolerable: values.tolerable === true ? true : undefined,
    });
    // Everything about the request is checked before the watch is looked for.
    const state = requireWatch();
    const timeoutMs = 30_000 + 5 * (request.latencyMs ?? 0) + (request.graceMs ?? 0);
    const answer = await callWatch<InjectAnswer>(state, "POST /inject", request, timeoutMs);
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(answer)}\n`);
      return EXIT.pass;
    }
    const at = (ts: number) => clock(ts, answer.t0).slice(1, -1).trim();
    console.log(
      `${answer.id}: ${answer.description}, from ${at(answer.windows[0]?.start ?? Date.now())} on the watch's clock`,
    );
    for (const w of answer.windows) console.log(`  ${w.id}: ${w.detail}`);
    console.log(
      answer.instant
        ? "  done: nothing stays on, nothing to heal"
        : answer.healAt === null
          ? `  on until \`lease-chaos heal ${answer.id}\` (or the watch stops)`
          : `  heals itself at ${at(answer.healAt)}`,
    );
    return EXIT.pass;
  },
};
