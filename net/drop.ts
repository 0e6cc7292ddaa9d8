// net/drop.ts — per-reason counters of dropped network input.
//
// Every place in net/ that refuses a frame, a fragment or a pending datagram calls dropCount
// exactly once with the reason (base/abi.ts, Drop). The host reads the counters as a
// u64[Drop.COUNT] array at dropsPtr(); Drop.None is never counted.

import { Drop } from "../base/abi";

const drops = new StaticArray<u64>(Drop.COUNT);

/** dropCount: record one drop for reason and return it (so callers can `return dropCount(r)`). */
export function dropCount(reason: Drop): Drop {
  if (reason > Drop.None && reason < Drop.COUNT) unchecked((drops[reason] += 1));
  return reason;
}

/** dropsOf: how many times reason has been counted (0 for None or an out-of-range reason). */
export function dropsOf(reason: Drop): u64 {
  if (reason <= Drop.None || reason >= Drop.COUNT) return 0;
  return unchecked(drops[reason]);
}

/** dropsPtr: address of the u64[Drop.COUNT] array the host reads drop counters from. */
export function dropsPtr(): usize {
  return changetype<usize>(drops);
}
