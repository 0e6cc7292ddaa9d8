// kernel/io/align.ts — input alignment: when a receive waits on a socket with its own NIC
// queue (early demultiplexing), lay that queue's buffers out for it (drivers/rxlayout.ts):
// emulated copy and emulated share get system frames at the buffer's page offset (then swapped
// in); share gets the application's own frames, wired, so the data lands in place.

import { Access, NicFeature, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, Sem } from "../../base/abi";
import { Proc } from "../proc";
import { userPa } from "../uio";
import { MAX_NICS, nics } from "../../drivers/nicdev";
import { nicPlan } from "../../drivers/nicpost";
import { planNew, planUseFrames } from "../../drivers/rxlayout";
import { udpIpHlen, udpStep } from "../../net/udpout";
import { UDP_HLEN } from "../../net/udp";
import { Socket } from "../../net/socket";
import { spin } from "../../base/panic";

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
    if (sem == Sem.SHARE && n!.has(NicFeature.HEADER_SPLIT)) {
      const frames = new Array<u32>();
      for (let page = <u64>(va & ~PAGE_MASK); page < <u64>va + len; page += PAGE_SIZE) {
        spin("kernel/io/align.ts alignReceive");
        const pa = userPa(p, <u32>page, Access.WRITE);
        if (pa < 0) break;
        frames.push(<u32>pa >> PAGE_SHIFT);
      }
      if (frames.length == plan.frames.length) planUseFrames(plan, frames);
    }
    nicPlan(n!, q, plan);
  }
}
