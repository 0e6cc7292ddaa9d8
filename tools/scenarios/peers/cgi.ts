// tools/scenarios/peers/cgi.ts — a CGI process produces a response and hands it to the server
// process, which sends it to b: over an IPC channel by copy or emulated copy, or through a pipe
// by vmsplice and splice (the producer's pages go to the network, never copied), or as an IO-Lite
// aggregate through a pipe (the producer's buffer, filled in place, goes out by reference).

import { Sem, ioLite, pattern } from "../../host/index";
import { peerWorkload } from "./workload";
import { Measure, verify, type PeerPair } from "./pair";
import { takeReceived } from "./schemes";

export const cgi = peerWorkload({
  name: "cgi",
  title: "CGI response through the server",
  description: "A CGI process on machine a generates a response and hands it to the server process (a channel, a pipe with vmsplice, or an IO-Lite aggregate through a pipe), " +
    "which sends it to machine b.",
  schemes: ["copy", "emulated-copy", "splice", "io-lite"],
  bytes: 64 << 10,
  async run({ scheme, bytes: n, pair }) {
    const e = await pair(n);
    const data = pattern(n, 300);
    const server = e.pa;
    if (scheme === "io-lite") return cgiIoLite(e, n, data);
    const [c0, c1] = server.channel();
    const [pr, pw] = server.pipe();
    const cgiProc = server.fork(); // inherits the channel and the pipe
    const out = cgiProc.mmap(n), sbuf = server.mmap(n), vb = e.pb.mmap(n);
    const m = new Measure(e);
    cgiProc.clock = server.clock;
    cgiProc.store(out, data); // the CGI program generates its response
    const rx = e.pb.postRecv(e.fb, vb, n);
    if (scheme === "splice") {
      cgiProc.vmsplice(pw, out, n); // the producer's pages into the pipe
      server.clock = Math.max(server.clock, cgiProc.clock);
      server.splice(pr, e.fa, n); // and on to the network, never copied
    } else {
      const sem = scheme === "copy" ? Sem.COPY : Sem.EMULATED_COPY;
      cgiProc.sendto(c1, out, n, { sem });
      server.clock = Math.max(server.clock, cgiProc.clock);
      const got = server.recvfrom(c0, sbuf, n, { sem })!;
      if (got.len !== n) throw new Error(`cgi ${scheme}: the server got ${got.len} bytes`);
      server.sendto(e.fa, sbuf, n, { sem });
    }
    const got = rx.wait();
    const res = m.metrics(n);
    verify(`cgi ${scheme}`, takeReceived(e.pb, got, vb, n, "copy"), data);
    cgiProc.exit(0);
    return res;
  },
});

/** cgiIoLite: the CGI process fills a buffer of its pool in place and passes the aggregate
 *  through a pipe; the server (joining the pool) sends it to b. */
function cgiIoLite(e: PeerPair, n: number, data: Uint8Array): Record<string, number> {
  const server = e.pa;
  const [pr, pw] = server.pipe();
  const cgiProc = server.fork();
  const ic = ioLite(cgiProc), is = ioLite(server);
  const pool = ic.pool();
  const vb = e.pb.mmap(n);
  const m = new Measure(e);
  cgiProc.clock = server.clock;
  const va = ic.alloc(pool, n); // the CGI program generates its response in place
  cgiProc.store(va, data);
  const rx = e.pb.postRecv(e.fb, vb, n);
  ic.write(pw, [{ va, len: n }]);
  ic.free([{ va, len: n }]);
  server.clock = Math.max(server.clock, cgiProc.clock);
  const agg = is.read(pr, { len: n });
  is.write(e.fa, agg);
  is.free(agg);
  const got = rx.wait();
  const res = m.metrics(n);
  verify("cgi io-lite", takeReceived(e.pb, got, vb, n, "copy"), data);
  cgiProc.exit(0);
  return res;
}
