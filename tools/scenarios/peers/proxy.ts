// tools/scenarios/peers/proxy.ts — zIO's case: a receives a message, makes k application-level
// copies of it, touches a fraction f of the last copy's pages and forwards it to b.

import { PAGE_SIZE, aggSlice, ioLite, type Aggregate } from "../../host/index";
import { peerWorkload } from "./workload";
import { MESSAGES, relay } from "./relay";
import type { SettingSpec } from "../settings";

const COPIES: SettingSpec = { key: "copies", label: "Copies (k)", kind: "number", min: 0, max: 16, default: 2, help: "application-level copies (memcpy) of each message" };
const FRACTION: SettingSpec = { key: "fraction", label: "Touched (f)", kind: "number", min: 0, max: 1, step: 0.01, default: 0.1, help: "fraction of the last copy's pages the application writes" };

export const proxy = peerWorkload({
  name: "proxy",
  title: "Proxy: k copies, a fraction touched",
  description: "Machine a receives each message from b, makes k application-level copies of it, writes one byte in a fraction f of the last copy's pages, " +
    "and sends that copy back to b. zIO elides the copies; the touched pages are materialised. IO-Lite passes the copies by value and chains a new buffer for each touched page.",
  schemes: ["copy", "zio", "emulated-copy", "io-lite"],
  bytes: 256 << 10,
  params: [COPIES, FRACTION, MESSAGES],
  run(run) {
    const k = run.settings.copies as number, f = run.settings.fraction as number;
    const touch = (n: number) => Math.round((n / PAGE_SIZE) * f);
    return relay(run, {
      messages: run.settings.messages as number,
      buffers: Math.max(1, Math.min(k, 2)),
      work(p, inBuf, bufs, n) {
        let from = inBuf;
        for (let i = 0; i < k; i++) {
          p.memcpy(bufs[i % bufs.length], from, n);
          from = bufs[i % bufs.length];
        }
        for (let pg = 0; pg < touch(n); pg++) p.store(from + pg * PAGE_SIZE, [p.load(from + pg * PAGE_SIZE, 1)[0] ^ 0xff]);
        return from;
      },
      workIoLite(p, agg, n, scratch) {
        // k copies are k aggregates passed by value; a touched page is a new buffer in the chain.
        let copy = agg;
        for (let i = 0; i < k; i++) copy = copy.map((x) => ({ ...x }));
        const out: Aggregate = [];
        for (let pg = 0; pg < touch(n); pg++) {
          const bytes = ioLite(p).bytes(aggSlice(copy, pg * PAGE_SIZE, Math.min(PAGE_SIZE, n - pg * PAGE_SIZE)));
          bytes[0] ^= 0xff;
          const va = scratch();
          p.store(va, bytes);
          out.push({ va, len: bytes.length });
        }
        const rest = touch(n) * PAGE_SIZE;
        return rest < n ? [...out, ...aggSlice(copy, rest, n - rest)] : out;
      },
      expect(d) {
        const x = d.slice();
        for (let pg = 0; pg < touch(d.length); pg++) x[pg * PAGE_SIZE] ^= 0xff;
        return x;
      },
    });
  },
});
