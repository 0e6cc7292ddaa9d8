// tools/assign/checks/align.ts — input alignment and page swapping, reverse copyout
// (docs/assignments/align.md). The receiver posts an emulated-copy receive first (early
// demultiplexing: the driver knows the buffer's page offset); the sender uses plain copy.
// Every check receives into a buffer whose first or last page is mostly, not wholly, covered.
// The share checks receive with share semantics: the data lands in the application's frames.

import { diffCounters, PAGE_SIZE, pattern, Sem, type Counters } from "../../host/index";
import { atMost, equal, ok, sameBytes, type Check, type CheckContext } from "../check";
import { guardedReceive, net } from "./lib";

/** The share check's receive: at this page offset, this many bytes (five pages, two partial). */
const SHARE_OFF = 700, SHARE_LEN = 4 * PAGE_SIZE - 300;

export const checks: Check[] = [
  {
    id: "aligned-swap",
    title: "a page-aligned receive of 16 pages less 100 bytes swaps 16 pages and copies only the last page's 100 other bytes",
    async run(t) {
      const d = await guardedReceive(t, 0, 16 * PAGE_SIZE - 100);
      equal(d.pageSwaps, 16, "pages swapped");
      equal(d.bytesCopied, 100, "bytes copied (reverse copyout of the last page)");
    },
  },
  {
    id: "offset-100",
    title: "a receive at page offset 100 swaps its full and mostly-full pages; neighbours of the partial pages keep their bytes",
    async run(t) {
      const d = await guardedReceive(t, 100, 3 * PAGE_SIZE + 17);
      equal(d.pageSwaps, 3, "pages swapped (3996-byte first page by reverse copyout, two full pages)");
      equal(d.bytesCopied, 100 + 117, "bytes copied (100 reverse-copied, 117 copied out)");
    },
  },
  {
    id: "offset-1000-60k",
    title: "60 KiB at page offset 1000: 15 swaps, few bytes copied, every guard byte intact",
    async run(t) {
      const d = await guardedReceive(t, 1000, 60 * 1024);
      equal(d.pageSwaps, 15, "pages swapped");
      atMost(d.bytesCopied, 2 * 1000, "bytes copied");
    },
  },
  {
    id: "untouched-buffer",
    title: "a receive into a buffer never touched: the other bytes of a reverse-copied page read as zeroes",
    async run(t) {
      const d = await guardedReceive(t, 300, 2 * PAGE_SIZE, { touched: false });
      equal(d.pageSwaps, 2, "pages swapped");
      equal(d.bytesCopied, 300, "bytes copied (the last page's 300 bytes are copied out)");
    },
  },
  {
    id: "share-in-place",
    title: "a share receive at page offset 700 lands in the application's own frames: nothing swapped or copied, each page wired for the receive and unwired after, neighbours intact",
    async run(t) {
      const r = await shareReceive(t, false);
      equal(r.d.bytesCopied, 0, "bytes the receiver's CPU copied");
      for (let i = 0; i < r.pages; i++) equal(r.after[i], r.before[i], `frame of page ${i} (unchanged)`);
    },
  },
  {
    id: "share-after-fork",
    title: "a share receive into copy-on-write pages (the receiver forked) gets each page its own frame first: the child keeps its bytes",
    depends: ["share-in-place"],
    async run(t) {
      const r = await shareReceive(t, true);
      equal(r.d.faultsCow, r.pages, "copy-on-write copies (one per page of the buffer, made when the receive is posted)");
      for (let i = 0; i < r.pages; i++) ok(r.after[i] !== r.before[i], `page ${i} still in the frame the child shares (frame ${r.before[i]})`);
    },
  },
];

/**
 * shareReceive: a datagram of SHARE_LEN bytes from a (sent with copy) received by b with share
 * semantics, posted first, at page offset SHARE_OFF of a buffer whose other bytes hold a guard
 * pattern; with fork, b forks first (a child that only looks), so the buffer's pages are
 * copy-on-write. Checks the data, every other byte, that nothing was swapped and that every
 * page was wired for the receive and unwired after (and, with fork, that the child's buffer is
 * unchanged); returns b's counter deltas and the buffer's frames before and after.
 */
async function shareReceive(t: CheckContext, fork: boolean): Promise<{ d: Counters; pages: number; before: number[]; after: number[] }> {
  const { a, b } = await net(t);
  const span = Math.ceil((SHARE_OFF + SHARE_LEN) / PAGE_SIZE) * PAGE_SIZE;
  const pages = span / PAGE_SIZE;
  const va = a.p.mmap(SHARE_LEN), vb = b.p.mmap(span);
  const data = pattern(SHARE_LEN, 23), guard = pattern(span, 98);
  a.p.store(va, data);
  b.p.store(vb, guard);
  const child = fork ? b.p.fork() : null;
  const frames = () => Array.from({ length: pages }, (_, i) => b.p.frameAt(vb + i * PAGE_SIZE));
  const before = frames();
  const c0 = b.m.counters();
  const rx = b.p.postRecv(b.fd, vb + SHARE_OFF, SHARE_LEN, { sem: Sem.SHARE });
  a.p.sendto(a.fd, va, SHARE_LEN, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
  equal(rx.wait().len, SHARE_LEN, "bytes received");
  const d = diffCounters(c0, b.m.counters());
  equal(d.pageSwaps, 0, "pages swapped");
  equal(d.wires, pages, "pages wired (the buffer's own frames, posted to the NIC)");
  equal(d.unwires, pages, "pages unwired once the datagram is delivered");
  sameBytes(b.p.load(vb + SHARE_OFF, SHARE_LEN), data, "received data");
  sameBytes(b.p.load(vb, SHARE_OFF), guard.subarray(0, SHARE_OFF), "the application's bytes before the buffer");
  sameBytes(b.p.load(vb + SHARE_OFF + SHARE_LEN, span - SHARE_OFF - SHARE_LEN), guard.subarray(SHARE_OFF + SHARE_LEN), "the application's bytes after the buffer");
  if (child) sameBytes(child.load(vb, span), guard, "the child's copy of the buffer");
  return { d, pages, before, after: frames() };
}
