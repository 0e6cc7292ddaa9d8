// kernel/chan.ts — an IPC channel's two ends, as a file descriptor holds them (kernel/file.ts);
// what they do is kernel/ipc.ts.
//
//   end 0 --(queue 1)--> end 1          each end: its incoming queue (messages are output
//   end 0 <--(queue 0)-- end 1          requests, drivers/outreq.ts) and at most one waiting receive

import { OutReq } from "../drivers/outreq";

export const CHAN_QMAX = 64;

/** A channel: per end, its incoming queue, its open descriptors and its waiting receive. */
export class Chan {
  queue: StaticArray<Array<OutReq>> = [new Array<OutReq>(), new Array<OutReq>()];
  open: StaticArray<i32> = [1, 1]; // descriptors referring to each end
  waiter: StaticArray<i32> = [0, 0];
  wVa: StaticArray<u32> = [0, 0];
  wLen: StaticArray<u32> = [0, 0];
  wSem: StaticArray<i32> = [0, 0];
}

/** One end of a channel, as a descriptor refers to it. */
export class ChanEnd {
  constructor(public chan: Chan, public side: i32) {}
}

