// kernel/io/align.ts — input alignment: when a receive waits on a socket with its own NIC
// queue (early demultiplexing), lay that queue's buffers out for it (drivers/rxlayout.ts):
// emulated copy and emulated share get system frames at the buffer's page offset (then swapped
// in); share gets the application's own frames, wired, so the data lands in place.

import { Access, NicFeature, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, Sem } from "../../base/abi";
import { Proc } from "../proc";
import { userPa } from "../uio";
import { MAX_NICS, nics } from "../../drivers/nicdev";
import { nicPlan } from "../../drivers/nicpost";
import { planNew, planUseFrames, RxPlan } from "../../drivers/rxlayout";
import { udpIpHlen, udpStep } from "../../net/udpout";
import { UDP_HLEN } from "../../net/udp";
import { Socket } from "../../net/socket";
import { panic, spin } from "../../base/panic";

/** aligned: does sem place input by page swapping or in place (and so want a plan)? */
export function aligned(sem: Sem): bool {
  return sem != Sem.COPY && sem != Sem.DEFAULT;
}

/** alignReceive: a receive of [va, va+len) under sem is about to wait on s: plan its buffers. */
export function alignReceive(s: Socket, p: Proc, va: u32, len: u32, sem: Sem): void {
  if (!aligned(sem) || len == 0) return;
  for (let k = 0; k < MAX_NICS; k++) {
    const n = nics[k];
    const q = s.queue[k];
    if (n == null || q == 0) continue;
    // (The move semantics take va's page offset as where the data should start in their region.)
    const plan = planNew(va & PAGE_MASK, len, udpStep(len, n!.mtu), udpIpHlen(len), UDP_HLEN, n!.features);
    if (sem == Sem.SHARE && n!.has(NicFeature.HEADER_SPLIT)) shareFrames(plan, p, va, len);
    nicPlan(n!, q, plan);
  }
}

/**
 * shareFrames: share semantics on a NIC with header split: the plan lays the data of
 * [va, va+len) straight into the application's own frames (each got as a write would get it,
 * so a copy-on-write page is copied first), which it wires. If any page cannot be had, the plan
 * is left with system frames (the data is then swapped or copied in, as for emulated share).
 */
function shareFrames(plan: RxPlan, p: Proc, va: u32, len: u32): void {
  // @solution align begin
  const frames = new Array<u32>();
  for (let page = <u64>(va & ~PAGE_MASK); page < <u64>va + len; page += PAGE_SIZE) {
    spin("kernel/io/align.ts shareFrames");
    const pa = userPa(p, <u32>page, Access.WRITE);
    if (pa < 0) return;
    frames.push(<u32>pa >> PAGE_SHIFT);
  }
  if (frames.length == plan.frames.length) planUseFrames(plan, frames);
  // @solution align stub
  // panic("assignment align: implement shareFrames (kernel/io/align.ts)");
  // @solution align end
}
