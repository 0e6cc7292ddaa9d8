// tools/scenarios/peers/modify.ts — partial modification: a receives a message, keeps the
// original, rewrites a header at the start of every page of a copy and forwards the copy to b.

import { PAGE_SIZE, aggSlice, type Aggregate } from "../../host/index";
import { peerWorkload } from "./workload";
import { MESSAGES, relay } from "./relay";
import type { SettingSpec } from "../settings";

const HEADER: SettingSpec = { key: "header", label: "Header (bytes)", kind: "number", min: 1, max: PAGE_SIZE, default: 64, help: "bytes rewritten at the start of each page" };

export const modify = peerWorkload({
  name: "modify",
  title: "Partial modify: a header in every page",
  description: "Machine a receives each message from b, copies it (keeping the original), rewrites a header at the start of every page of the copy, " +
    "and sends the copy back to b. IO-Lite keeps the original as received and chains one header buffer before each page's rest.",
  schemes: ["copy", "zio", "emulated-copy", "msg-zerocopy", "io-lite"],
  bytes: 256 << 10,
  params: [HEADER, MESSAGES],
  run(run) {
    const hdr = new Uint8Array(run.settings.header as number).fill(0x5a);
    return relay(run, {
      messages: run.settings.messages as number,
      buffers: 1,
      work(p, inBuf, bufs, n) {
        p.memcpy(bufs[0], inBuf, n); // the application keeps the original
        for (let at = 0; at < n; at += PAGE_SIZE) p.store(bufs[0] + at, hdr.subarray(0, Math.min(hdr.length, n - at)));
        return bufs[0];
      },
      workIoLite(p, agg, n, scratch) {
        const h = scratch();
        p.store(h, hdr.subarray(0, Math.min(hdr.length, PAGE_SIZE)));
        const out: Aggregate = [];
        for (let at = 0; at < n; at += PAGE_SIZE) {
          const len = Math.min(PAGE_SIZE, n - at), hl = Math.min(hdr.length, len);
          out.push({ va: h, len: hl }, ...aggSlice(agg, at + hl, len - hl));
        }
        return out.filter((x) => x.len > 0);
      },
      expect(d) {
        const x = d.slice();
        for (let at = 0; at < x.length; at += PAGE_SIZE) x.set(hdr.subarray(0, Math.min(hdr.length, x.length - at)), at);
        return x;
      },
    });
  },
});
