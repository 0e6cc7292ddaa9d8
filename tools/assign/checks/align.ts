// tools/assign/checks/align.ts — input alignment and page swapping, reverse copyout
// (docs/assignments/align.md). The receiver posts an emulated-copy receive first (early
// demultiplexing: the driver knows the buffer's page offset); the sender uses plain copy.
// Every check receives into a buffer whose first or last page is mostly, not wholly, covered.

import { PAGE_SIZE } from "../../host/index";
import { atMost, equal, type Check } from "../check";
import { guardedReceive } from "./lib";

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
];
