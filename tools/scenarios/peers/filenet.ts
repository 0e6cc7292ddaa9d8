// tools/scenarios/peers/filenet.ts — a file from a's disk to b's disk in 64 KiB datagrams, b
// fsyncs: read/sendto/recvfrom/write by copy, mapped files with emulated copy, sendfile, splice
// (file -> pipe -> socket), IO-Lite (the file cache's buffers out, a pool's buffer in). The file-net-file scenario (tools/scenarios/filenet.ts) is the
// INFOCOM '99 benchmark's own, with pswap and the mixed cases.

import { Prot, Sem, ioLite, pattern } from "../../host/index";
import { peerWorkload } from "./workload";
import { diskFor, Measure, verify, type PeerPair } from "./pair";

const CHUNK = 64 << 10;

export const filenet = peerWorkload({
  name: "filenet",
  title: "File → network → file, every scheme",
  description: "Machine a sends its file /src to machine b in 64 KiB datagrams; b writes them to /dst and fsyncs. " +
    "Copy reads and writes; emulated copy maps both files; sendfile and splice send a's page-cache pages by reference; IO-Lite sends the file cache's buffers.",
  schemes: ["copy", "emulated-copy", "sendfile", "splice", "io-lite"],
  bytes: 1 << 20,
  maxBytes: 4 << 20,
  async run({ scheme, bytes: n, pair }) {
    const e = await pair(2 * n, { aDisk: true, bDisk: true, diskBytes: diskFor(n) });
    const data = pattern(n, 99);
    e.pa.writeFile("/src", data, { fsync: true });
    e.pb.writeFile("/dst", new Uint8Array(n), { fsync: true }); // blocks allocated: the mapped receive may swap into them
    const sfd = e.pa.open("/src"), dfd = e.pb.open("/dst", { read: true, write: true });
    if (scheme === "io-lite") return filenetIoLite(e, n, sfd, dfd, data);
    const mapped = scheme === "emulated-copy";
    const src = mapped ? e.pa.mmap(n, { fd: sfd, prot: Prot.READ, shared: true }) : e.pa.mmap(CHUNK);
    const dst = mapped ? e.pb.mmap(n, { fd: dfd, shared: true }) : e.pb.mmap(CHUNK);
    const [pr, pw] = scheme === "splice" ? e.pa.pipe() : [0, 0];
    const m = new Measure(e);
    for (let off = 0; off < n; off += CHUNK) {
      const len = Math.min(CHUNK, n - off);
      const rx = e.pb.postRecv(e.fb, mapped ? dst + off : dst, len, { sem: mapped ? Sem.EMULATED_COPY : Sem.COPY });
      if (mapped) e.pa.sendto(e.fa, src + off, len, { sem: Sem.EMULATED_COPY });
      else if (scheme === "sendfile") e.pa.sendfile(e.fa, sfd, len, off);
      else if (scheme === "splice") {
        e.pa.splice(sfd, pw, len, off);
        e.pa.splice(pr, e.fa, len);
      } else {
        e.pa.read(sfd, src, len);
        e.pa.sendto(e.fa, src, len, { sem: Sem.COPY });
      }
      rx.wait();
      if (!mapped) e.pb.write(dfd, dst, len);
    }
    if (mapped) e.pb.msync(dst, n);
    e.pb.fsync(dfd);
    const res = m.metrics(n);
    verify(`filenet ${scheme}`, e.pb.readFile("/dst"), data);
    return res;
  },
});

/** filenetIoLite: a sends the file cache's buffers of each chunk; b receives each datagram into a
 *  buffer of its pool and writes the aggregate to the file (a copy into b's page cache). */
function filenetIoLite(e: PeerPair, n: number, sfd: number, dfd: number, data: Uint8Array): Record<string, number> {
  const ia = ioLite(e.pa), ib = ioLite(e.pb);
  const pool = ib.pool();
  const m = new Measure(e);
  for (let off = 0; off < n; off += CHUNK) {
    const len = Math.min(CHUNK, n - off);
    const rx = ib.postRead(e.fb, { pool, len });
    const agg = ia.read(sfd, { len });
    ia.write(e.fa, agg);
    ia.free(agg);
    const got = rx.wait()!;
    if (ib.write(dfd, got.agg) !== len) throw new Error("filenet io-lite: a short write");
    ib.free(got.agg);
  }
  e.pb.fsync(dfd);
  const res = m.metrics(n);
  verify("filenet io-lite", e.pb.readFile("/dst"), data);
  return res;
}
