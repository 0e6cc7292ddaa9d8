// tools/assign/checks/align.ts — input alignment and page swapping, reverse copyout
// (docs/assignments/align.md). The receiver posts an emulated-copy receive first (early
// demultiplexing: the driver knows the buffer's page offset); the sender uses plain copy.
// Every check receives into a buffer whose first or last page is mostly, not wholly, covered.

import { diffCounters, PAGE_SIZE, pattern, Sem } from "../../host/index";
import { atMost, equal, sameBytes, type Check, type CheckContext } from "../check";
import { net } from "./lib";

/** receive: len bytes sent to offset off of a buffer whose other bytes hold a guard pattern;
 *  checks the data and every guard byte; returns the receiver's counter deltas. */
async function receive(t: CheckContext, off: number, len: number, opts: { touched?: boolean; seed?: number } = {}) {
  const { a, b } = await net(t);
  const span = Math.ceil((off + len) / PAGE_SIZE) * PAGE_SIZE;
  const va = a.p.mmap(len), vb = b.p.mmap(span);
  const data = pattern(len, opts.seed ?? 21);
  a.p.store(va, data);
  const guard = pattern(span, 99);
  if (opts.touched !== false) b.p.store(vb, guard);
  const rx = b.p.postRecv(b.fd, vb + off, len, { sem: Sem.EMULATED_COPY });
  const c0 = b.m.counters();
  a.p.sendto(a.fd, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
  equal(rx.wait().len, len, "bytes received");
  const d = diffCounters(c0, b.m.counters());
  sameBytes(b.p.load(vb + off, len), data, "received data");
  const want = opts.touched === false ? new Uint8Array(span) : guard;
  sameBytes(b.p.load(vb, off), want.subarray(0, off), "the application's bytes before the buffer");
  sameBytes(b.p.load(vb + off + len, span - off - len), want.subarray(off + len), "the application's bytes after the buffer");
  return d;
}

export const checks: Check[] = [
  {
    id: "aligned-swap",
    title: "a page-aligned receive of 16 pages less 100 bytes swaps 16 pages and copies only the last page's 100 other bytes",
    async run(t) {
      const d = await receive(t, 0, 16 * PAGE_SIZE - 100);
      equal(d.pageSwaps, 16, "pages swapped");
      equal(d.bytesCopied, 100, "bytes copied (reverse copyout of the last page)");
    },
  },
  {
    id: "offset-100",
    title: "a receive at page offset 100 swaps its full and mostly-full pages; neighbours of the partial pages keep their bytes",
    async run(t) {
      const d = await receive(t, 100, 3 * PAGE_SIZE + 17);
      equal(d.pageSwaps, 3, "pages swapped (3996-byte first page by reverse copyout, two full pages)");
      equal(d.bytesCopied, 100 + 117, "bytes copied (100 reverse-copied, 117 copied out)");
    },
  },
  {
    id: "offset-1000-60k",
    title: "60 KiB at page offset 1000: 15 swaps, few bytes copied, every guard byte intact",
    async run(t) {
      const d = await receive(t, 1000, 60 * 1024, { seed: 4 });
      equal(d.pageSwaps, 15, "pages swapped");
      atMost(d.bytesCopied, 2 * 1000, "bytes copied");
    },
  },
  {
    id: "untouched-buffer",
    title: "a receive into a buffer never touched: the other bytes of a reverse-copied page read as zeroes",
    async run(t) {
      const d = await receive(t, 300, 2 * PAGE_SIZE, { touched: false });
      equal(d.pageSwaps, 2, "pages swapped");
      equal(d.bytesCopied, 300, "bytes copied (the last page's 300 bytes are copied out)");
    },
  },
];
