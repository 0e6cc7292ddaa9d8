// tools/scenarios/peers/fileserver.ts — static file serving from a hot cache (IO-Lite's and
// sendfile's case): a answers requests for files of a hot set already in its page cache, b
// receives each response. Copy reads each file into a buffer and sends it; emulated copy sends
// from the file mapped; sendfile and splice send the page-cache pages by reference;
// msg-zerocopy reads into a buffer and sends it pinned; IO-Lite reads the file cache's buffers
// (an aggregate) and sends them by reference.

import { Prot, Rng, ioLite, pattern } from "../../host/index";
import { peerWorkload } from "./workload";
import { diskFor, Measure, verifyAt } from "./pair";
import { sendBuf } from "./schemes";
import type { SettingSpec } from "../settings";

const HOT: SettingSpec = { key: "hotSet", label: "Hot set (files)", kind: "number", min: 1, max: 16, default: 4, help: "files the requests go to, all in a's page cache" };
const REQUESTS: SettingSpec = { key: "requests", label: "Requests", kind: "number", min: 1, max: 256, default: 16, help: "responses a sends" };

/** requestOrder: which file each request asks for: rounds in which every file of the hot set is
 *  asked for once, each round in an order drawn from seed. */
export function requestOrder(hot: number, requests: number, seed: number): number[] {
  const rng = new Rng(seed), out: number[] = [];
  while (out.length < requests) {
    const round = Array.from({ length: hot }, (_, i) => i);
    for (let i = hot - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [round[i], round[j]] = [round[j], round[i]];
    }
    out.push(...round.slice(0, requests - out.length));
  }
  return out;
}

export const fileserver = peerWorkload({
  name: "fileserver",
  title: "File server with a hot set",
  description: "Machine a serves requests for the files of a hot set, all cached in its page cache, to machine b: " +
    "read and send (copy, msg-zerocopy), send from the mapped file (emulated copy), or the page-cache pages by reference (sendfile, splice, IO-Lite's file cache).",
  schemes: ["copy", "emulated-copy", "sendfile", "splice", "msg-zerocopy", "io-lite"],
  bytes: 64 << 10,
  params: [HOT, REQUESTS],
  async run({ scheme, bytes: n, settings, pair }) {
    const hot = settings.hotSet as number;
    const e = await pair(hot * n, { aDisk: true, diskBytes: diskFor(hot * n) });
    const files = Array.from({ length: hot }, (_, i) => pattern(n, 200 + i));
    files.forEach((d, i) => e.pa.writeFile(`/f${i}`, d));
    const fds = files.map((_, i) => e.pa.open(`/f${i}`));
    for (const fd of fds) e.pa.read(fd, e.pa.mmap(n), n); // warm: the hot set is in the page cache
    const maps = scheme === "emulated-copy" ? fds.map((fd) => e.pa.mmap(n, { fd, prot: Prot.READ, shared: true })) : [];
    const buf = e.pa.mmap(n), vb = e.pb.mmap(n);
    const [pr, pw] = scheme === "splice" ? e.pa.pipe() : [0, 0];
    const io = ioLite(e.pa);
    if (scheme === "io-lite") for (const fd of fds) { e.pa.lseek(fd, 0); io.free(io.read(fd, { len: n })); } // the IO-Lite cache is hot too
    const order = requestOrder(hot, settings.requests as number, settings.seed as number);
    const m = new Measure(e);
    for (const i of order) {
      const rx = e.pb.postRecv(e.fb, vb, n);
      if (scheme === "io-lite") {
        e.pa.lseek(fds[i], 0);
        const agg = io.read(fds[i], { len: n });
        io.write(e.fa, agg);
        io.free(agg);
      } else if (scheme === "emulated-copy") sendBuf(e.pa, e.fa, maps[i], n, scheme);
      else if (scheme === "sendfile") e.pa.sendfile(e.fa, fds[i], n, 0);
      else if (scheme === "splice") {
        e.pa.splice(fds[i], pw, n, 0);
        e.pa.splice(pr, e.fa, n);
      } else {
        e.pa.lseek(fds[i], 0);
        e.pa.read(fds[i], buf, n);
        sendBuf(e.pa, e.fa, buf, n, scheme);
      }
      rx.wait();
      verifyAt(`fileserver ${scheme} file ${i}`, e.pb, vb, n, files[i]);
    }
    return m.metrics(n * order.length);
  },
});
