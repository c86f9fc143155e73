// The parent incident: Postgres is unreachable for every worker.
import { proxyDown } from "../harness/faults/proxy-down.ts";
import { holdKnob } from "../harness/run/knobs.ts";
import type { ActiveFault } from "../harness/run/run.ts";
import type { Scenario } from "../harness/run/scenario.ts";
import { bringUp } from "./steps.ts";

/** F8: every worker loses Postgres for longer than the ttl; nobody works during it, one leader after. */
export const postgresOutage: Scenario = {
  name: "postgres-outage",
  summary:
    "F8: Postgres unreachable for everyone past the ttl; no effects during it, one leader per lease after",
  faults: ["F8"],
  // Nobody can take over during an outage (every standby is cut off too): takeover-within-ttl leaves
  // such lapses unjudged by itself; the premise is that the leases lapsed.
  premises: ["target-term-ended"],
  knobs: { outageMs: holdKnob("how long Postgres is unreachable for everyone", 1.5) },
  lowerBoundMs: (t) => Math.round(1.5 * t.ttlMs),
  async steps(run) {
    await bringUp(run);
    const faults: ActiveFault[] = [];
    await run.step("Postgres outage: every worker's proxy refuses", async () => {
      // The leader first: the premise is about it.
      const holder = (await run.leaseRow())?.holder;
      const order = [...run.workers].sort((a, b) => (a.id === holder ? -1 : b.id === holder ? 1 : 0));
      for (const w of order) faults.push(await run.inject(proxyDown(w.id)));
      run.note(`${faults.length} proxies down`);
    });
    await run.step(`keep the outage on for ${run.knob("outageMs")} ms`, () => run.hold(run.knob("outageMs")));
    await run.step("Postgres is back for everyone", async () => {
      for (const f of faults) await f.heal();
    });
  },
};
