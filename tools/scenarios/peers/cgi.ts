// tools/scenarios/peers/cgi.ts — a CGI process produces a response and hands it to the server
// process, which sends it to b: over an IPC channel by copy or emulated copy, or through a pipe
// by vmsplice and splice (the producer's pages go to the network, never copied).

import { Sem, pattern } from "../../host/index";
import { peerWorkload } from "./workload";
import { Measure, verify } from "./pair";
import { takeReceived } from "./schemes";

export const cgi = peerWorkload({
  name: "cgi",
  title: "CGI response through the server",
  description: "A CGI process on machine a generates a response and hands it to the server process (a channel, or a pipe with vmsplice), " +
    "which sends it to machine b.",
  schemes: ["copy", "emulated-copy", "splice"],
  bytes: 64 << 10,
  async run({ scheme, bytes: n, pair }) {
    const e = await pair(n);
    const data = pattern(n, 300);
    const server = e.pa;
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
