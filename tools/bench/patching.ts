// tools/bench/patching.ts — header patching (docs/data-passing.md §4.3; purpose published, algorithm ours, in
// the style of Genie): what a NIC without header split pays to deliver page-aligned data.
//
//   patching   no header split, early demultiplexing: the driver posts packet k's buffer so
//              that its payload continues payload k-1 and its headers overlap payload k-1's
//              last bytes, saved first and put back after the headers are parsed (about 2h
//              bytes copied per packet); the receive then swaps pages (emulated copy)
//   copy       the same NIC, the receiver copying (copy semantics): every payload byte copied
//   split      a NIC with header split: headers to their own buffer, payload straight into
//              aligned pages; nothing copied
//
// The sender uses emulated copy in all three (its side is the same). One datagram per row, on
// fresh machines; the receiver's counters alone.

import { getProfile, profileMtu, semanticsByName, diffCounters, COUNTER_NAMES, type Counters, type Profile } from "../host/index";
import { DatagramPair } from "./datagram";
import { round3 } from "./format";

export const PATCHING_SCHEMES = ["patching", "copy", "split"] as const;
export type PatchingScheme = (typeof PATCHING_SCHEMES)[number];

/** One row: the contract course tools read (keep names and order). */
export interface PatchingRow {
  scheme: PatchingScheme;
  mtu: number;
  bytes: number;
  packets: number;
  latencyUs: number;
  receiverCpuUs: number;
  receiverBytesCopied: number;
  bytesCopiedPerPacket: number;
}
export const PATCHING_ROW_KEYS: readonly (keyof PatchingRow)[] = ["scheme", "mtu", "bytes", "packets", "latencyUs", "receiverCpuUs", "receiverBytesCopied", "bytesCopiedPerPacket"];
export const PATCHING_HEADERS = ["scheme", "MTU", "bytes", "packets", "latency µs", "receiver CPU µs", "receiver bytes copied", "copied per packet"];

/** patchingCells: a row's cells, in PATCHING_HEADERS order. */
export function patchingCells(r: PatchingRow): (string | number)[] {
  return [r.scheme, r.mtu, r.bytes, r.packets, r.latencyUs, r.receiverCpuUs, r.receiverBytesCopied, r.bytesCopiedPerPacket];
}

const cpuUs = (d: Counters, p: Profile) => round3(COUNTER_NAMES.reduce((s, n) => s + d[n] * p.costs[n].ns, 0) / 1000);

/** runPatching: one datagram of bytes at mtu under scheme, on profile; its row. */
export async function runPatching(opts: { profile: string; scheme: PatchingScheme; bytes: number; mtu?: number; seed?: number; kernel?: WebAssembly.Module }): Promise<PatchingRow> {
  const p = getProfile(opts.profile);
  const mtu = opts.mtu ?? profileMtu(p);
  const pair = await DatagramPair.create({
    profile: opts.profile, bytes: opts.bytes, mtu, seed: opts.seed, kernel: opts.kernel,
    headerSplit: opts.scheme === "split", earlyDemux: true, checksumOffload: true,
  });
  const send = semanticsByName("emulated-copy");
  const cb = pair.b.counters();
  const row = pair.transfer(send, true, true, opts.scheme === "copy" ? semanticsByName("copy") : send);
  const d = diffCounters(cb, pair.b.counters());
  const packets = d.packetsReceived;
  return {
    scheme: opts.scheme, mtu, bytes: opts.bytes, packets, latencyUs: row.latencyUs,
    receiverCpuUs: cpuUs(d, p), receiverBytesCopied: d.bytesCopied,
    bytesCopiedPerPacket: packets ? round3(d.bytesCopied / packets) : 0,
  };
}
