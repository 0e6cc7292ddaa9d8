// tools/scenarios/peers/proxy.ts — zIO's case: a receives a message, makes k application-level
// copies of it, touches a fraction f of the last copy's pages and forwards it to b.

import { PAGE_SIZE } from "../../host/index";
import { peerWorkload } from "./workload";
import { MESSAGES, relay } from "./relay";
import type { SettingSpec } from "../settings";

const COPIES: SettingSpec = { key: "copies", label: "Copies (k)", kind: "number", min: 0, max: 16, default: 2, help: "application-level copies (memcpy) of each message" };
const FRACTION: SettingSpec = { key: "fraction", label: "Touched (f)", kind: "number", min: 0, max: 1, step: 0.01, default: 0.1, help: "fraction of the last copy's pages the application writes" };

export const proxy = peerWorkload({
  name: "proxy",
  title: "Proxy: k copies, a fraction touched",
  description: "Machine a receives each message from b, makes k application-level copies of it, writes one byte in a fraction f of the last copy's pages, " +
    "and sends that copy back to b. zIO elides the copies; the touched pages are materialised.",
  schemes: ["copy", "zio", "emulated-copy"],
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
      expect(d) {
        const x = d.slice();
        for (let pg = 0; pg < touch(d.length); pg++) x[pg * PAGE_SIZE] ^= 0xff;
        return x;
      },
    });
  },
});
