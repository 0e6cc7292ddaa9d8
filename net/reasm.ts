// net/reasm.ts — IPv4 reassembly, without copying a byte.
//
// A datagram under reassembly is a slot in a fixed table, keyed by (src, dst, proto, id). Each
// fragment the caller hands in stays where the NIC put it: reassembly records only a piece
// (an opaque buffer handle, the offset of the fragment's payload in that buffer, the fragment's
// offset in the datagram and its length), in a list sorted by datagram offset:
//
//   slot --> piece [0, 1480) --> piece [1480, 2960) --> piece [2960, 3008) --> NIL
//            (h7 + 42)           (h3 + 42)              (h9 + 42)
//
// Pieces never overlap (see the policy below), so the datagram is complete exactly when its
// length is known (from the fragment without MF) and the pieces hold that many bytes. The caller
// then walks the pieces (reasmFirst/reasmNext) and decides how to deliver: copy into a user
// buffer, or swap whole frames. Tables are allocated once, at boot; adding a fragment allocates
// nothing.
//
// Ownership of buffers (no leaks):
//  - reasmAdd returns 0 (held) or a slot id (held, datagram complete): reassembly now holds the
//    fragment's buffer. A negative result (-Drop reason, counted) means it did not take it: the
//    caller frees it.
//  - a pending datagram that is dropped (overlap, bad lengths, memory limit) or expires (timeout)
//    gives its buffers back through reasmReclaim(), which the caller drains after each reasmAdd
//    and reasmExpire.
//  - a complete datagram stays in its slot until reasmRelease(slot, free), which calls free on
//    each piece's handle (pass a no-op when the caller kept the buffers, say by swapping frames).
//
// Policy, in the style of Linux's IPv4 reassembly (RFC 5722 applies it to IPv6):
//  - an exact repeat (same offset and length) of a held fragment is dropped alone (FragDuplicate);
//  - any other overlap drops the fragment and the whole datagram (FragOverlap): overlapping
//    fragments are how firewalls are evaded, and no honest sender produces them;
//  - a fragment reaching past IP_MAXPAYLOAD (FragOversize), an empty fragment, a non-final
//    fragment whose length is not a multiple of 8, or lengths that contradict the datagram's known
//    end (FragLength) also drop the datagram;
//  - a new datagram is refused while maxDatagrams slots are in use (ReasmTableFull); a fragment
//    that would push the bytes held past maxBytes, or finds no free piece record, is refused and
//    its datagram dropped, since it can no longer complete (ReasmMemory);
//  - a pending datagram expires timeoutNs after its first fragment arrived (ReasmTimeout, counted
//    once per datagram); complete datagrams never expire: they are the caller's until released.

import { Drop } from "../base/abi";
import { panic, spin } from "../base/panic";
import { dropCount } from "../base/drop";
import { IP_MAXPAYLOAD } from "./frag";

/** Capacity of the datagram table (the most datagrams under reassembly at once). */
export const REASM_SLOTS: i32 = 16;
/** Capacity of the piece table, shared by all datagrams (a 65515-byte datagram over a 576-byte
 *  MTU needs 118 pieces; over a 1500-byte MTU, 45). */
export const REASM_PIECES: i32 = 2048;
/** Default limit on payload bytes held by reassembly (complete datagrams included): room for
 *  one largest jumbogram (1 MiB) and a few ordinary datagrams besides. */
export const REASM_MAX_BYTES: u32 = (1 << 20) + (1 << 19);
/** Default reassembly timeout: 30 s of simulated time. */
export const REASM_TIMEOUT_NS: u64 = 30_000_000_000;

const NIL: i32 = -1;
const FREE: u8 = 0;
const PENDING: u8 = 1;
const COMPLETE: u8 = 2;
const UNKNOWN: u32 = 0xffffffff; // total length not yet known

// Datagram slots (index = slot id - 1).
const slState = new StaticArray<u8>(REASM_SLOTS);
const slSrc = new StaticArray<u32>(REASM_SLOTS);
const slDst = new StaticArray<u32>(REASM_SLOTS);
const slProto = new StaticArray<u32>(REASM_SLOTS);
const slId = new StaticArray<u32>(REASM_SLOTS);
const slStart = new StaticArray<u64>(REASM_SLOTS); // arrival time of the first fragment
const slTotal = new StaticArray<u32>(REASM_SLOTS); // datagram payload length, or UNKNOWN
const slEnd = new StaticArray<u32>(REASM_SLOTS); // highest fragment end seen
const slHeld = new StaticArray<u32>(REASM_SLOTS); // payload bytes held in pieces
const slCost = new StaticArray<u32>(REASM_SLOTS); // memory the pieces pin (counted against maxBytes)
const slCount = new StaticArray<u32>(REASM_SLOTS); // number of pieces
const slHead = new StaticArray<i32>(REASM_SLOTS); // first piece (lowest offset)

// Pieces, linked through pcNext: a slot's list, the free list, or the dead list.
const pcHandle = new StaticArray<u32>(REASM_PIECES);
const pcHoff = new StaticArray<u32>(REASM_PIECES); // payload offset inside the buffer
const pcOff = new StaticArray<u32>(REASM_PIECES); // offset in the datagram payload
const pcLen = new StaticArray<u32>(REASM_PIECES);
const pcNext = new StaticArray<i32>(REASM_PIECES);

const pcWhy = new StaticArray<u8>(REASM_PIECES); // a dead piece: why its datagram was dropped

let freeHead: i32 = NIL; // unused piece records
let deadHead: i32 = NIL; // pieces of dropped datagrams whose buffers the caller must free
let slotsUsed: i32 = 0;
let heldBytes: u32 = 0;
let piecesUsed: i32 = 0; // live and dead

let maxDatagrams: i32 = REASM_SLOTS;
let maxBytes: u32 = REASM_MAX_BYTES;
let timeoutNs: u64 = REASM_TIMEOUT_NS;

for (let i = 0; i < REASM_PIECES; i++) pcNext[i] = i + 1 < REASM_PIECES ? i + 1 : NIL;
freeHead = 0;

/** reasmLimits: set the limits (datagrams clamped to 1..REASM_SLOTS); they apply to later calls. */
export function reasmLimits(datagrams: i32, bytes: u32, timeout: u64): void {
  maxDatagrams = datagrams < 1 ? 1 : datagrams > REASM_SLOTS ? REASM_SLOTS : datagrams;
  maxBytes = bytes;
  timeoutNs = timeout;
}

/** reasmAdd: hand in a fragment: len payload bytes at offset off of datagram (src, dst, proto,
 *  id), more = MF, stored at hoff in buffer `handle`. Returns a slot id (> 0) when the datagram
 *  is now complete, 0 when it is held pending, or -Drop (counted) when refused: the caller keeps
 *  (and frees) the buffer. Expires stale datagrams first. maxPayload is the largest datagram
 *  payload allowed (IP_MAXPAYLOAD; larger for jumbograms, see net/jumbo.ts). */
export function reasmAdd(
  now: u64, src: u32, dst: u32, proto: u32, id: u32,
  off: u32, len: u32, more: bool, handle: u32, hoff: u32, maxPayload: u32 = IP_MAXPAYLOAD, cost: u32 = 0,
): i32 {
  if (cost < len) cost = len; // a fragment pins at least its own bytes (its buffers, if more)
  reasmExpire(now);
  const s = lookup(src, dst, proto, id);
  const end = off + len;

  // The fragment on its own.
  if (end > maxPayload || end < off) return refuse(s, Drop.FragOversize);
  if (len == 0 || (off & 7) != 0 || (more && (len & 7) != 0)) return refuse(s, Drop.FragLength);

  // The fragment against what the datagram already holds.
  let prev = NIL;
  if (s >= 0) {
    const total = slTotal[s];
    if (more ? total != UNKNOWN && end > total : (total != UNKNOWN && total != end) || slEnd[s] > end)
      return refuse(s, Drop.FragLength);
    let cur = slHead[s];
    while (cur != NIL && pcOff[cur] < off) {
      spin("net/reasm.ts reasmAdd");
      prev = cur;
      cur = pcNext[cur];
    }
    if (cur != NIL && pcOff[cur] == off && pcLen[cur] == len) return -dropCount(Drop.FragDuplicate);
    if (prev != NIL && pcOff[prev] + pcLen[prev] > off) return refuse(s, Drop.FragOverlap);
    if (cur != NIL && end > pcOff[cur]) return refuse(s, Drop.FragOverlap);
  }

  // Room for it.
  if (heldBytes + cost > maxBytes || freeHead == NIL) return refuse(s, Drop.ReasmMemory);
  let t = s;
  if (t < 0) {
    if (slotsUsed >= maxDatagrams) return -dropCount(Drop.ReasmTableFull);
    t = claim(now, src, dst, proto, id);
  }

  // Record it, after prev.
  const pc = freeHead;
  freeHead = pcNext[pc];
  piecesUsed++;
  pcHandle[pc] = handle;
  pcHoff[pc] = hoff;
  pcOff[pc] = off;
  pcLen[pc] = len;
  if (prev == NIL) {
    pcNext[pc] = slHead[t];
    slHead[t] = pc;
  } else {
    pcNext[pc] = pcNext[prev];
    pcNext[prev] = pc;
  }
  slCount[t] += 1;
  slHeld[t] += len;
  slCost[t] += cost;
  heldBytes += cost;
  if (end > slEnd[t]) slEnd[t] = end;
  if (!more) slTotal[t] = end;

  if (slTotal[t] != UNKNOWN && slHeld[t] == slTotal[t]) {
    slState[t] = COMPLETE;
    return t + 1;
  }
  return 0;
}

/** reasmExpire: drop every pending datagram whose first fragment arrived timeoutNs or more
 *  before now (counting ReasmTimeout for each); returns how many expired. */
export function reasmExpire(now: u64): i32 {
  let n = 0;
  if (slotsUsed == 0) return 0; // (every interrupt calls this: most find nothing to look at)
  for (let s = 0; s < REASM_SLOTS; s++) {
    if (unchecked(slState[s]) == PENDING && now >= slStart[s] && now - slStart[s] >= timeoutNs) {
      dropCount(Drop.ReasmTimeout);
      discard(s, Drop.ReasmTimeout);
      n++;
    }
  }
  return n;
}

/** reasmDeadline: when the first pending datagram will expire (simulated ns), or -1 if none
 *  is pending. */
export function reasmDeadline(): f64 {
  let first: u64 = U64.MAX_VALUE;
  if (slotsUsed == 0) return -1;
  for (let s = 0; s < REASM_SLOTS; s++)
    if (unchecked(slState[s]) == PENDING && slStart[s] + timeoutNs < first) first = slStart[s] + timeoutNs;
  return first == U64.MAX_VALUE ? -1 : <f64>first;
}

/** Why the datagram of the buffer reasmReclaim returned last was dropped. */
export let reclaimedWhy: Drop = Drop.None;

/** reasmReclaim: the handle of one buffer that a dropped or expired datagram gave back, for the
 *  caller to free (reclaimedWhy says why); -1 when there is none left. */
export function reasmReclaim(): i64 {
  const pc = deadHead;
  if (pc == NIL) return -1;
  deadHead = pcNext[pc];
  reclaimedWhy = <Drop>pcWhy[pc];
  putPiece(pc);
  return <i64>pcHandle[pc];
}

/** reasmRelease: forget complete datagram `slot`, calling free(handle) for each of its pieces in
 *  offset order; returns how many pieces it had. Panics if slot is not complete. */
export function reasmRelease(slot: i32, free: (handle: u32) => void = keepBuffer): i32 {
  const s = complete(slot, "reasmRelease");
  const n = <i32>slCount[s];
  let pc = slHead[s];
  while (pc != NIL) {
    spin("net/reasm.ts reasmRelease");
    const next = pcNext[pc];
    free(pcHandle[pc]);
    putPiece(pc);
    pc = next;
  }
  heldBytes -= slCost[s];
  unclaim(s);
  return n;
}

/** reasmLen: payload length of complete datagram `slot` (UDP header and data). */
export function reasmLen(slot: i32): u32 {
  return slTotal[complete(slot, "reasmLen")];
}

/** reasmFirst: the first piece (lowest offset) of complete datagram `slot`. */
export function reasmFirst(slot: i32): i32 {
  return slHead[complete(slot, "reasmFirst")];
}

/** reasmNext: the piece after pc in its datagram, or -1 after the last. */
export function reasmNext(pc: i32): i32 {
  return pcNext[pc];
}

/** pieceHandle: the buffer handle that holds piece pc. */
export function pieceHandle(pc: i32): u32 {
  return pcHandle[pc];
}

/** pieceHoff: where piece pc's bytes start inside its buffer. */
export function pieceHoff(pc: i32): u32 {
  return pcHoff[pc];
}

/** pieceOff: offset of piece pc in the datagram payload. */
export function pieceOff(pc: i32): u32 {
  return pcOff[pc];
}

/** pieceLen: length of piece pc in bytes. */
export function pieceLen(pc: i32): u32 {
  return pcLen[pc];
}

/** reasmPending: how many datagrams are waiting for fragments. */
export function reasmPending(): i32 {
  let n = 0;
  for (let s = 0; s < REASM_SLOTS; s++) if (slState[s] == PENDING) n++;
  return n;
}

/** reasmHeldBytes: memory pinned by pending and complete datagrams (at least their payload). */
export function reasmHeldBytes(): u32 {
  return heldBytes;
}

/** reasmBuffersHeld: buffers reassembly still owns (held pieces and unreclaimed dead ones). */
export function reasmBuffersHeld(): i32 {
  return piecesUsed;
}

// ---- internals ------------------------------------------------------------------------------

function keepBuffer(handle: u32): void {}

/** lookup: the pending slot for this key, or -1. */
function lookup(src: u32, dst: u32, proto: u32, id: u32): i32 {
  for (let s = 0; s < REASM_SLOTS; s++) {
    if (unchecked(slState[s]) == PENDING && slId[s] == id && slSrc[s] == src && slDst[s] == dst && slProto[s] == proto)
      return s;
  }
  return NIL;
}

/** claim: take a free slot for a new datagram (the caller checked slotsUsed < maxDatagrams). */
function claim(now: u64, src: u32, dst: u32, proto: u32, id: u32): i32 {
  for (let s = 0; s < REASM_SLOTS; s++) {
    if (slState[s] != FREE) continue;
    slState[s] = PENDING;
    slSrc[s] = src;
    slDst[s] = dst;
    slProto[s] = proto;
    slId[s] = id;
    slStart[s] = now;
    slTotal[s] = UNKNOWN;
    slEnd[s] = 0;
    slHeld[s] = 0;
    slCost[s] = 0;
    slCount[s] = 0;
    slHead[s] = NIL;
    slotsUsed++;
    return s;
  }
  panic("reasm claim: no free slot");
  return NIL;
}

function unclaim(s: i32): void {
  slState[s] = FREE;
  slHead[s] = NIL;
  slotsUsed--;
}

/** refuse: count reason, drop pending slot s (if any) with it, and return -reason. */
function refuse(s: i32, reason: Drop): i32 {
  if (s >= 0) discard(s, reason);
  return -dropCount(reason);
}

/** discard: drop pending slot s for reason why; its pieces go to the dead list for reasmReclaim. */
function discard(s: i32, why: Drop): void {
  let pc = slHead[s];
  while (pc != NIL) {
    spin("net/reasm.ts discard");
    const next = pcNext[pc];
    pcWhy[pc] = <u8>why;
    pcNext[pc] = deadHead;
    deadHead = pc;
    pc = next;
  }
  heldBytes -= slCost[s];
  unclaim(s);
}

function putPiece(pc: i32): void {
  pcNext[pc] = freeHead;
  freeHead = pc;
  piecesUsed--;
}

/** complete: the index of complete slot id `slot`; panics (naming fn) otherwise. */
function complete(slot: i32, fn: string): i32 {
  if (slot < 1 || slot > REASM_SLOTS || slState[slot - 1] != COMPLETE) panic(fn + ": slot not complete");
  return slot - 1;
}
