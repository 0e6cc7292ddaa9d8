// base/drop.ts — per-reason counters of dropped network input, and the fate of every frame.
//
// Two tables, indexed by Drop (base/abi.ts), that the host reads as u64[Drop.COUNT] arrays:
//
//   drops   (dropsPtr)   one count per drop, as each layer sees it: a frame up to IP, a
//                        fragment in reassembly, a whole datagram from UDP up (a fragmented
//                        datagram with a bad checksum counts once); Drop.None is never counted
//   fates   (fatesPtr)   frames off the wire, by what became of them: fates[None] = frames of
//                        datagrams that reached a socket, fates[r] = frames dropped for reason r
//                        (a fragmented datagram with a bad checksum counts each of its frames)
//
// Once reassembly holds nothing (its timeout frees what never completes), every frame a NIC
// received is in exactly one fate: frames received = fates[None] + sum of fates[r].
//
// Every place that refuses a frame, a fragment or a pending datagram calls dropCount exactly
// once with the reason, and dropFrames with the frames it frees. The NIC driver counts the
// frames its adapter missed for want of a posted buffer (NoBuffer) in both.

import { Drop } from "./abi";

const drops = new StaticArray<u64>(Drop.COUNT);
const fates = new StaticArray<u64>(Drop.COUNT);

/** dropCount: record n drops (default one) for reason and return it (so callers can
 *  `return dropCount(r)`). */
export function dropCount(reason: Drop, n: u64 = 1): Drop {
  if (reason > Drop.None && reason < Drop.COUNT) unchecked((drops[reason] += n));
  return reason;
}

/** dropFrames: n frames from the wire met their fate: reason, or None (reached a socket). */
export function dropFrames(reason: Drop, n: u64): void {
  if (reason >= Drop.None && reason < Drop.COUNT) unchecked((fates[reason] += n));
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

/** fatesPtr: address of the u64[Drop.COUNT] array of frames by fate (see above). */
export function fatesPtr(): usize {
  return changetype<usize>(fates);
}
