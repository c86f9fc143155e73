import { bandwidth } from "./bandwidth.ts";
import { latency } from "./latency.ts";
import { limitData } from "./limit_data.ts";
import { noop } from "./noop.ts";
import { resetPeer } from "./reset_peer.ts";
import { slicer } from "./slicer.ts";
import { slowClose } from "./slow_close.ts";
import { timeout } from "./timeout.ts";
import type { ToxicKind } from "./toxic.ts";

// The registry: adding a toxic is its file plus one line here. "down" is not a toxic (it is
// `enabled: false` on the proxy), so it is absent, as in Toxiproxy.
const kinds: readonly ToxicKind[] = [
  latency,
  bandwidth,
  slowClose,
  timeout,
  resetPeer,
  slicer,
  limitData,
  noop,
];

/** Toxic types by their API name. */
export const toxicKinds: ReadonlyMap<string, ToxicKind> = new Map(kinds.map((k) => [k.type, k]));
