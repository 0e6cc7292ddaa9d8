// tools/bench/peers.ts — the discriminating workloads, each a plain function over the host API,
// run under every scheme it applies to: Genie's semantics and the systems after it
// (docs/peers.md). (world, settings) -> result; every result is verified byte for byte.
//
//   workload    what moves                                                   schemes
//   datagram    one datagram of `bytes`, a -> b                              the 8 semantics, msg-zerocopy, splice, io-lite
//   filenet     a file of `bytes` on a's disk -> b's disk, 64 KiB datagrams  copy, emulated-copy, sendfile, splice, io-lite
//   fileserver  a serves 16 requests for files of `bytes` from a hot set     copy, emulated-copy, sendfile, splice, msg-zerocopy,
//               of 4 (cached), b receives                                    io-lite
//   cgi         a CGI process produces `bytes`, hands them to the server     copy, emulated-copy, splice, io-lite
//               process, which sends them to b
//   proxy       a receives `bytes`, makes k app-level copies, touches a      copy, zio, emulated-copy, io-lite
//               fraction f of the last one's pages, sends it on to b
//   kvset       a (2 CPUs) receives a value of `bytes` (SET), copies it into copy, zio, emulated-copy, io-lite
//               an object, appends the object to a log file, fsyncs; with
//               emulated-copy the log is a mapped file the value is received
//               into (page swapping), then msync (the mmap'd store zIO is
//               compared with)
//   modify      a receives `bytes`, rewrites a 64-byte header in each page,  copy, zio, emulated-copy, msg-zerocopy,
//               forwards the result to b                                     io-lite
//
// Schemes per side: a Genie semantics is used for every send and receive of the workload (with
// emulated copy, files are mapped where the scheme says so); the Linux schemes and zio receive
// with copy (Linux has no zero-copy UDP receive) and use their own calls on the way out; zio is
// copy semantics with the application's memcpys through zIO; io-lite passes aggregates of
// immutable buffers (tools/host/iolite.ts) wherever the workload's data moves (a datagram is
// received into a pool of the receiver's; the file server's client receives with copy, as the
// Linux schemes' do). Machines: the profile's costs and
// wire, NICs with header split, checksum offload and early demultiplexing; one CPU each.
//
// A result: simulated time of the workload (first call to last return), throughput (payload bits
// over it), and over both machines for that interval: CPU time (counters x profile costs), bytes
// copied, PTE writes, TLB shootdowns, faults.

import {
  Disk, MemoryStore, PAGE_SIZE, Prot, SEMANTICS, SEMANTICS_NAMES, Sem, World, connect, diffCounters, mkfs, profileMtu, wireOptions,
  COUNTER_NAMES, type Counters, type Machine, type Process, type Profile,
  aggSlice, ioLite, type Aggregate,
} from "../host/index";
import { firstDifference, pattern } from "../host/pattern";

/** Every scheme name, as the CLI and the JSON reports spell them. */
export const PEER_SCHEMES = ["io-lite", "zio", "sendfile", "splice", "msg-zerocopy"] as const;
export const ALL_SCHEMES: readonly string[] = [...SEMANTICS_NAMES, ...PEER_SCHEMES];

export interface WorkloadSettings {
  profile: Profile;
  scheme: string;
  /** Payload bytes per message (datagram, proxy, kvset, modify, cgi), per file (fileserver), or the file (filenet). */
  bytes: number;
  /** proxy: application-level copies (default 2) and the fraction of pages touched (default 0.1). */
  k?: number;
  f?: number;
}

export interface WorkloadResult {
  workload: string;
  scheme: string;
  profile: string;
  bytes: number;
  simulatedUs: number;
  throughputMbps: number;
  cpuUs: number;
  cpuBytesCopied: number;
  pteWrites: number;
  tlbShootdowns: number;
  faults: number;
}
export const RESULT_KEYS: readonly (keyof WorkloadResult)[] =
  ["workload", "scheme", "profile", "bytes", "simulatedUs", "throughputMbps", "cpuUs", "cpuBytesCopied", "pteWrites", "tlbShootdowns", "faults"];

export interface Workload {
  name: string;
  description: string;
  schemes: readonly string[];
  /** Default size for the report. */
  bytes: number;
  run(world: World, s: WorkloadSettings): Promise<WorkloadResult>;
}

// ---- the two machines ---------------------------------------------------------------------------

const B_IP = "10.0.0.2";

interface Env {
  w: World;
  a: Machine;
  b: Machine;
  pa: Process;
  pb: Process;
  fa: number;
  fb: number;
  profile: Profile;
}

/** env: machines a (10.0.0.1, port 1000, connected to b) and b (10.0.0.2, port 2000); a with a
 *  file system when aDisk, b when bDisk. */
async function env(w: World, profile: Profile, memory: number, aDisk = false, bDisk = false, aCpus = 1): Promise<Env> {
  const disk = () => {
    const image = new Uint8Array(2048 * PAGE_SIZE); // 8 MiB
    mkfs(image);
    return new Disk({ store: new MemoryStore(image) });
  };
  const a = await w.machine({ name: "a", memory, profile, cpus: aCpus, disk: aDisk ? disk() : undefined });
  const b = await w.machine({ name: "b", memory, profile, disk: bDisk ? disk() : undefined });
  if (aDisk) a.mount();
  if (bDisk) b.mount();
  const nic = (ip: string) => ({ ip, mtu: profileMtu(profile), headerSplit: true, checksumOffload: true, earlyDemux: true });
  connect(a.attachNic(nic("10.0.0.1")), b.attachNic(nic(B_IP)), wireOptions(profile));
  const pa = a.spawn(), pb = b.spawn();
  const fa = pa.socket(), fb = pb.socket();
  pa.bind(fa, 1000);
  pb.bind(fb, 2000);
  pa.connect(fa, B_IP, 2000);
  return { w, a, b, pa, pb, fa, fb, profile };
}

const MiB = 1 << 20;
const memoryFor = (bytes: number) => Math.ceil((6 * bytes + 8 * MiB) / MiB) * MiB;

/** Measure: counters of both machines and the start time; result() closes the interval. */
class Measure {
  private ca: Counters;
  private cb: Counters;
  readonly t0: number;
  constructor(private e: Env) {
    e.w.run();
    this.ca = e.a.counters();
    this.cb = e.b.counters();
    this.t0 = Math.max(e.pa.clock, e.pb.clock, e.w.now);
    e.pa.clock = e.pb.clock = this.t0;
  }
  result(workload: string, s: WorkloadSettings, payload: number): WorkloadResult {
    const e = this.e;
    e.w.run();
    const t1 = Math.max(e.pa.clock, e.pb.clock);
    const da = diffCounters(this.ca, e.a.counters()), db = diffCounters(this.cb, e.b.counters());
    const sum = (n: keyof Counters) => da[n] + db[n];
    let cpuNs = 0;
    for (const n of COUNTER_NAMES) cpuNs += sum(n) * s.profile.costs[n].ns;
    const us = (t1 - this.t0) / 1000;
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      workload, scheme: s.scheme, profile: s.profile.name, bytes: s.bytes, simulatedUs: r3(us), throughputMbps: r3((payload * 8) / us),
      cpuUs: r3(cpuNs / 1000), cpuBytesCopied: sum("bytesCopied"), pteWrites: sum("pteWrites"), tlbShootdowns: sum("tlbShootdowns"), faults: sum("faults"),
    };
  }
}

function verify(what: string, got: Uint8Array, want: Uint8Array): void {
  const d = got.length === want.length ? firstDifference(got, want) : Math.min(got.length, want.length);
  if (d >= 0) throw new Error(`${what}: received bytes differ from those sent, first at byte ${d}`);
}

const genie = (scheme: string) => SEMANTICS.find((x) => x.name === scheme);

// ---- sending and receiving a buffer under a scheme ----------------------------------------------

/** sendBuf: p sends [va, va+len) on its connected socket fd under scheme (done when it returns:
 *  a weak semantics or MSG_ZEROCOPY waits for its completion, so the buffer may be reused). */
function sendBuf(p: Process, fd: number, va: number, len: number, scheme: string): void {
  const g = genie(scheme);
  if (g) {
    p.sendto(fd, va, len, { sem: g.sem });
    if (g.integrity === "weak") p.iowait();
    return;
  }
  if (scheme === "msg-zerocopy") {
    p.sendto(fd, va, len, { zerocopy: true });
    const id = p.zcId;
    for (let c = p.zcNotify(fd); c && c.last < id; c = p.zcNotify(fd));
    return;
  }
  if (scheme === "splice") {
    const [r, w] = p.pipe();
    p.vmsplice(w, va, len);
    p.splice(r, fd, len);
    p.close(w);
    p.close(r);
    return;
  }
  p.sendto(fd, va, len, { sem: Sem.COPY }); // zio, sendfile's receiver side: copy
}

/** recvSem: the semantics scheme receives with (the Linux schemes and zio: copy). */
const recvSem = (scheme: string) => genie(scheme)?.sem ?? Sem.COPY;

/** postBuf: post a receive of len bytes for scheme into va (move family: a region the kernel picks). */
function postBuf(p: Process, fd: number, va: number, len: number, scheme: string) {
  const system = genie(scheme)?.buffers === "system";
  return p.postRecv(fd, system ? 0 : va, len, { sem: recvSem(scheme) });
}

/** takeReceived: the bytes of a completed receive (a region the kernel chose is unmapped after). */
function takeReceived(p: Process, got: { len: number; va: number }, va: number, len: number, scheme: string): Uint8Array {
  if (got.len !== len) throw new Error(`${scheme}: a receive returned ${got.len} of ${len} bytes`);
  if (genie(scheme)?.buffers !== "system") return p.load(va, len);
  const bytes = p.load(got.va, len);
  p.munmap(got.va & ~(PAGE_SIZE - 1), ((got.va & (PAGE_SIZE - 1)) + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
  return bytes;
}

// ---- the workloads ---------------------------------------------------------------------------

const datagram: Workload = {
  name: "datagram",
  description: "one large datagram from a to b (receive posted first)",
  schemes: [...SEMANTICS_NAMES, "msg-zerocopy", "splice", "io-lite"],
  bytes: 256 << 10,
  async run(w, s) {
    if (s.scheme === "io-lite") return datagramIoLite(w, s);
    const e = await env(w, s.profile, memoryFor(s.bytes));
    const n = s.bytes, data = pattern(n, n + 1);
    const va = e.pa.mmap(n), vb = e.pb.mmap(n);
    e.pa.store(va, data);
    e.pb.load(vb, n);
    const m = new Measure(e);
    const rx = postBuf(e.pb, e.fb, vb, n, s.scheme);
    sendBuf(e.pa, e.fa, va, n, s.scheme);
    const got = rx.wait();
    const res = m.result("datagram", s, n);
    verify(`datagram ${s.scheme}`, takeReceived(e.pb, got, vb, n, s.scheme), data);
    return res;
  },
};

/** datagramIoLite: a's producer fills a buffer of its pool in place (before the measure, as the
 *  other schemes fill theirs) and passes it; b receives into a buffer of its own pool. */
async function datagramIoLite(w: World, s: WorkloadSettings): Promise<WorkloadResult> {
  const e = await env(w, s.profile, memoryFor(s.bytes));
  const n = s.bytes, data = pattern(n, n + 1);
  const ia = ioLite(e.pa), ib = ioLite(e.pb);
  const va = ia.alloc(ia.pool(), n);
  e.pa.store(va, data);
  const pool = ib.pool();
  const m = new Measure(e);
  const rx = ib.postRead(e.fb, { pool, len: n });
  ia.write(e.fa, [{ va, len: n }]);
  const got = rx.wait()!;
  const res = m.result("datagram", s, n);
  verify("datagram io-lite", ib.bytes(got.agg), data);
  return res;
}

const CHUNK = 64 << 10;

const filenet: Workload = {
  name: "filenet",
  description: "a file from a's disk to b's disk in 64 KiB datagrams (b fsyncs)",
  schemes: ["copy", "emulated-copy", "sendfile", "splice", "io-lite"],
  bytes: 1 << 20,
  async run(w, s) {
    const e = await env(w, s.profile, memoryFor(2 * s.bytes), true, true);
    const n = s.bytes, data = pattern(n, 99);
    e.pa.writeFile("/src", data, { fsync: true });
    e.pb.writeFile("/dst", new Uint8Array(n), { fsync: true }); // blocks allocated: the mapped receive may swap into them
    const sfd = e.pa.open("/src"), dfd = e.pb.open("/dst", { read: true, write: true });
    if (s.scheme === "io-lite") return filenetIoLite(e, s, sfd, dfd, data);
    const mapped = s.scheme === "emulated-copy";
    const src = mapped ? e.pa.mmap(n, { fd: sfd, prot: Prot.READ, shared: true }) : e.pa.mmap(CHUNK);
    const dst = mapped ? e.pb.mmap(n, { fd: dfd, shared: true }) : e.pb.mmap(CHUNK);
    const [pr, pw] = s.scheme === "splice" ? e.pa.pipe() : [0, 0];
    const m = new Measure(e);
    for (let off = 0; off < n; off += CHUNK) {
      const len = Math.min(CHUNK, n - off);
      const rx = e.pb.postRecv(e.fb, mapped ? dst + off : dst, len, { sem: mapped ? Sem.EMULATED_COPY : Sem.COPY });
      if (mapped) e.pa.sendto(e.fa, src + off, len, { sem: Sem.EMULATED_COPY });
      else if (s.scheme === "sendfile") e.pa.sendfile(e.fa, sfd, len, off);
      else if (s.scheme === "splice") {
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
    const res = m.result("filenet", s, n);
    verify(`filenet ${s.scheme}`, e.pb.readFile("/dst"), data);
    return res;
  },
};

/** filenetIoLite: a sends the file cache's buffers of each chunk; b receives each datagram into a
 *  buffer of its pool and writes the aggregate to the file (a copy into b's page cache). */
function filenetIoLite(e: Env, s: WorkloadSettings, sfd: number, dfd: number, data: Uint8Array): WorkloadResult {
  const n = s.bytes, ia = ioLite(e.pa), ib = ioLite(e.pb);
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
  const res = m.result("filenet", s, n);
  verify("filenet io-lite", e.pb.readFile("/dst"), data);
  return res;
}

const fileserver: Workload = {
  name: "fileserver",
  description: "16 responses from a hot set of 4 cached files on a's disk, to b",
  schemes: ["copy", "emulated-copy", "sendfile", "splice", "msg-zerocopy", "io-lite"],
  bytes: 64 << 10,
  async run(w, s) {
    const e = await env(w, s.profile, memoryFor(4 * s.bytes), true, false);
    const n = s.bytes, files = [0, 1, 2, 3].map((i) => pattern(n, 200 + i));
    files.forEach((d, i) => e.pa.writeFile(`/f${i}`, d));
    const fds = files.map((_, i) => e.pa.open(`/f${i}`));
    for (const fd of fds) e.pa.read(fd, e.pa.mmap(n), n); // warm: the hot set is in the page cache
    const maps = s.scheme === "emulated-copy" ? fds.map((fd) => e.pa.mmap(n, { fd, prot: Prot.READ, shared: true })) : [];
    const buf = e.pa.mmap(n), vb = e.pb.mmap(n);
    const [pr, pw] = s.scheme === "splice" ? e.pa.pipe() : [0, 0];
    const io = ioLite(e.pa);
    if (s.scheme === "io-lite") for (const fd of fds) { e.pa.lseek(fd, 0); io.free(io.read(fd, { len: n })); } // the IO-Lite cache is hot too
    const m = new Measure(e);
    const order = [0, 1, 2, 3, 0, 2, 1, 3, 3, 0, 1, 2, 2, 1, 0, 3];
    for (const i of order) {
      const rx = e.pb.postRecv(e.fb, vb, n);
      if (s.scheme === "io-lite") {
        e.pa.lseek(fds[i], 0);
        const agg = io.read(fds[i], { len: n });
        io.write(e.fa, agg);
        io.free(agg);
      } else if (s.scheme === "emulated-copy") e.pa.sendto(e.fa, maps[i], n, { sem: Sem.EMULATED_COPY });
      else if (s.scheme === "sendfile") e.pa.sendfile(e.fa, fds[i], n, 0);
      else if (s.scheme === "splice") {
        e.pa.splice(fds[i], pw, n, 0);
        e.pa.splice(pr, e.fa, n);
      } else {
        e.pa.lseek(fds[i], 0);
        e.pa.read(fds[i], buf, n);
        sendBuf(e.pa, e.fa, buf, n, s.scheme);
      }
      rx.wait();
      verify(`fileserver ${s.scheme} file ${i}`, e.pb.load(vb, n), files[i]);
    }
    return m.result("fileserver", s, n * order.length);
  },
};

const cgi: Workload = {
  name: "cgi",
  description: "a CGI process produces a response, the server process sends it to b",
  schemes: ["copy", "emulated-copy", "splice", "io-lite"],
  bytes: 64 << 10,
  async run(w, s) {
    const e = await env(w, s.profile, memoryFor(s.bytes));
    const n = s.bytes, data = pattern(n, 300);
    const server = e.pa;
    if (s.scheme === "io-lite") return cgiIoLite(e, s, data);
    const [c0, c1] = server.channel();
    const [pr, pw] = server.pipe();
    const cgiProc = server.fork(); // inherits the channel and the pipe
    const out = cgiProc.mmap(n), sbuf = server.mmap(n), vb = e.pb.mmap(n);
    const m = new Measure(e);
    cgiProc.clock = server.clock;
    cgiProc.store(out, data); // the CGI program generates its response
    const rx = e.pb.postRecv(e.fb, vb, n);
    if (s.scheme === "splice") {
      cgiProc.vmsplice(pw, out, n); // the producer's pages into the pipe
      server.clock = Math.max(server.clock, cgiProc.clock);
      server.splice(pr, e.fa, n); // and on to the network, never copied
    } else {
      const sem = s.scheme === "copy" ? Sem.COPY : Sem.EMULATED_COPY;
      cgiProc.sendto(c1, out, n, { sem });
      server.clock = Math.max(server.clock, cgiProc.clock);
      const got = server.recvfrom(c0, sbuf, n, { sem })!;
      if (got.len !== n) throw new Error(`cgi ${s.scheme}: the server got ${got.len} bytes`);
      server.sendto(e.fa, sbuf, n, { sem });
    }
    const got = rx.wait();
    const res = m.result("cgi", s, n);
    verify(`cgi ${s.scheme}`, takeReceived(e.pb, got, vb, n, "copy"), data);
    cgiProc.exit(0);
    return res;
  },
};

/** cgiIoLite: the CGI process fills a buffer of its pool in place and passes the aggregate
 *  through a pipe; the server (joining the pool) sends it to b. */
function cgiIoLite(e: Env, s: WorkloadSettings, data: Uint8Array): WorkloadResult {
  const n = s.bytes, server = e.pa;
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
  const res = m.result("cgi", s, n);
  verify("cgi io-lite", takeReceived(e.pb, got, vb, n, "copy"), data);
  cgiProc.exit(0);
  return res;
}

/** relay: a receives a message under scheme, does app work on it (returns the buffer to send),
 *  and forwards it to b; `msgs` messages. Verifies what b gets against expect(data). */
async function relay(w: World, s: WorkloadSettings, name: string, msgs: number,
  work: (p: Process, inBuf: number, bufs: number[], n: number) => number, expect: (d: Uint8Array) => Uint8Array, nbufs: number): Promise<WorkloadResult> {
  // a sits between a client c (on b's machine: b sends to a, then receives the result).
  const e = await env(w, s.profile, memoryFor(s.bytes * (nbufs + 2)));
  const n = s.bytes;
  if (s.scheme === "zio") e.pa.zioConfig({});
  const fromB = e.pb.socket();
  e.pb.bind(fromB, 3000);
  e.pb.connect(fromB, "10.0.0.1", 1000);
  const inBuf = e.pa.mmap(n), bufs = Array.from({ length: nbufs }, () => e.pa.mmap(n));
  const cb = e.pb.mmap(n), vb = e.pb.mmap(n);
  bufs.forEach((b) => e.pa.load(b, n));
  e.pa.load(inBuf, n);
  const m = new Measure(e);
  for (let i = 0; i < msgs; i++) {
    const data = pattern(n, 400 + i);
    e.pb.store(cb, data);
    const rin = postBuf(e.pa, e.fa, inBuf, n, s.scheme);
    e.pb.sendto(fromB, cb, n, { sem: Sem.COPY });
    const got = rin.wait();
    const at = genie(s.scheme)?.buffers === "system" ? got.va : inBuf;
    e.pa.clock = Math.max(e.pa.clock, got.at);
    const outVa = work(e.pa, at, bufs, n);
    const rout = e.pb.postRecv(e.fb, vb, n);
    sendBuf(e.pa, e.fa, outVa, n, s.scheme);
    rout.wait();
    verify(`${name} ${s.scheme} message ${i}`, e.pb.load(vb, n), expect(data));
  }
  return m.result(name, s, n * msgs);
}

/** relayIoLite: relay with io-lite: a receives each message into a buffer of its pool (in place),
 *  the app work returns the aggregate to send (new buffers chained with the received slices),
 *  and a sends it to b; b sends and receives with copy, as in relay. */
async function relayIoLite(w: World, s: WorkloadSettings, name: string, msgs: number,
  work: (p: Process, agg: Aggregate, n: number, scratch: () => number) => Aggregate, expect: (d: Uint8Array) => Uint8Array): Promise<WorkloadResult> {
  const e = await env(w, s.profile, memoryFor(s.bytes * 4));
  const n = s.bytes, io = ioLite(e.pa);
  const fromB = e.pb.socket();
  e.pb.bind(fromB, 3000);
  e.pb.connect(fromB, "10.0.0.1", 1000);
  const cb = e.pb.mmap(n), vb = e.pb.mmap(n);
  const pool = io.pool();
  const made: Aggregate = []; // the buffers the work made, freed after each message
  const scratch = () => { const va = io.alloc(pool, PAGE_SIZE); made.push({ va, len: PAGE_SIZE }); return va; };
  const m = new Measure(e);
  for (let i = 0; i < msgs; i++) {
    const data = pattern(n, 400 + i);
    e.pb.store(cb, data);
    const rin = io.postRead(e.fa, { pool, len: n });
    e.pb.sendto(fromB, cb, n, { sem: Sem.COPY });
    const got = rin.wait()!;
    if (got.len !== n) throw new Error(`${name} io-lite: a receive returned ${got.len} of ${n} bytes`);
    const out = work(e.pa, got.agg, n, scratch);
    const rout = e.pb.postRecv(e.fb, vb, n);
    io.write(e.fa, out);
    io.free(got.agg);
    io.free(made.splice(0));
    rout.wait();
    verify(`${name} io-lite message ${i}`, e.pb.load(vb, n), expect(data));
  }
  return m.result(name, s, n * msgs);
}

const proxy: Workload = {
  name: "proxy",
  description: "a receives a message, makes k copies, touches a fraction f of the last one's pages, forwards it",
  schemes: ["copy", "zio", "emulated-copy", "io-lite"],
  bytes: 256 << 10,
  run(w, s) {
    const k = s.k ?? 2, f = s.f ?? 0.1;
    const touch = (n: number) => Math.round((n / PAGE_SIZE) * f);
    const expectProxy = (d: Uint8Array) => {
      const x = d.slice();
      for (let pg = 0; pg < touch(d.length); pg++) x[pg * PAGE_SIZE] ^= 0xff;
      return x;
    };
    if (s.scheme === "io-lite")
      // k copies are k aggregates passed by value; a touched page is a new buffer in the chain.
      return relayIoLite(w, s, "proxy", 4, (p, agg, n, scratch) => {
        let copy = agg;
        for (let i = 0; i < k; i++) copy = copy.map((x) => ({ ...x }));
        const out: Aggregate = [];
        for (let pg = 0; pg < touch(n); pg++) {
          const page = aggSlice(copy, pg * PAGE_SIZE, Math.min(PAGE_SIZE, n - pg * PAGE_SIZE));
          const bytes = ioLite(p).bytes(page);
          bytes[0] ^= 0xff;
          const va = scratch();
          p.store(va, bytes);
          out.push({ va, len: bytes.length });
        }
        const rest = touch(n) * PAGE_SIZE;
        return rest < n ? [...out, ...aggSlice(copy, rest, n - rest)] : out;
      }, expectProxy);
    return relay(w, s, "proxy", 4, (p, inBuf, bufs, n) => {
      let from = inBuf;
      for (let i = 0; i < k; i++) {
        p.memcpy(bufs[i % bufs.length], from, n);
        from = bufs[i % bufs.length];
      }
      for (let pg = 0; pg < touch(n); pg++) p.store(from + pg * PAGE_SIZE, [p.load(from + pg * PAGE_SIZE, 1)[0] ^ 0xff]);
      return from;
    }, expectProxy, Math.max(1, Math.min(k, 2)));
  },
};

const HDR = 64;
const modify: Workload = {
  name: "modify",
  description: "a receives a message, rewrites a 64-byte header in each page of a copy, forwards it",
  schemes: ["copy", "zio", "emulated-copy", "msg-zerocopy", "io-lite"],
  bytes: 256 << 10,
  run(w, s) {
    const hdr = new Uint8Array(HDR).fill(0x5a);
    if (s.scheme === "io-lite")
      // The original stays as received; the copy is one header buffer chained before each page's rest.
      return relayIoLite(w, s, "modify", 4, (p, agg, n, scratch) => {
        const h = scratch();
        p.store(h, hdr);
        const out: Aggregate = [];
        for (let at = 0; at < n; at += PAGE_SIZE) {
          const len = Math.min(PAGE_SIZE, n - at), hl = Math.min(HDR, len);
          out.push({ va: h, len: hl }, ...aggSlice(agg, at + hl, len - hl));
        }
        return out.filter((x) => x.len > 0);
      }, (d) => {
        const x = d.slice();
        for (let at = 0; at < x.length; at += PAGE_SIZE) x.set(hdr.subarray(0, Math.min(HDR, x.length - at)), at);
        return x;
      });
    return relay(w, s, "modify", 4, (p, inBuf, bufs, n) => {
      p.memcpy(bufs[0], inBuf, n); // the application keeps the original
      for (let at = 0; at < n; at += PAGE_SIZE) p.store(bufs[0] + at, hdr.subarray(0, Math.min(HDR, n - at)));
      return bufs[0];
    }, (d) => {
      const x = d.slice();
      for (let at = 0; at < x.length; at += PAGE_SIZE) x.set(hdr.subarray(0, Math.min(HDR, x.length - at)), at);
      return x;
    }, 1);
  },
};

const kvset: Workload = {
  name: "kvset",
  description: "a (2 CPUs) receives 4 SETs, copies each value into an object, appends the object to a log file, fsyncs; emulated-copy: the log is a mapped file the value is received into",
  schemes: ["copy", "zio", "emulated-copy", "io-lite"],
  bytes: 64 << 10,
  async run(w, s) {
    // The store's threads have run on both CPUs: a PTE change of its address space costs a shootdown.
    const e = await env(w, s.profile, memoryFor(4 * s.bytes), true, false, 2);
    e.pa.setCpu(1);
    e.pa.setCpu(0);
    const n = s.bytes, sets = 4;
    const io = ioLite(e.pa), pool = s.scheme === "io-lite" ? io.pool() : -1;
    if (s.scheme === "zio") e.pa.zioConfig({});
    const mapped = s.scheme === "emulated-copy"; // the mmap'd-file store zIO is compared with
    const fromB = e.pb.socket();
    e.pb.bind(fromB, 3000);
    e.pb.connect(fromB, "10.0.0.1", 1000);
    const log = e.pa.open("/log", { read: true, write: true, create: true });
    if (mapped) e.pa.writeFile("/log", new Uint8Array(n * sets), { fsync: true }); // blocks for the mapping
    const map = mapped ? e.pa.mmap(n * sets, { fd: log, shared: true }) : 0;
    const inBuf = e.pa.mmap(n), obj = e.pa.mmap(n), cb = e.pb.mmap(n);
    e.pa.load(inBuf, n);
    e.pa.load(obj, n);
    const values: Uint8Array[] = [];
    const m = new Measure(e);
    for (let i = 0; i < sets; i++) {
      const v = pattern(n, 500 + i);
      values.push(v);
      e.pb.store(cb, v);
      if (pool >= 0) {
        // The object is the received aggregate itself (kept by value); the log append copies it
        // into the page cache.
        const rx = io.postRead(e.fa, { pool, len: n });
        e.pb.sendto(fromB, cb, n, { sem: Sem.COPY });
        const got = rx.wait()!;
        e.pa.clock = Math.max(e.pa.clock, e.pb.clock);
        if (io.write(log, got.agg) !== n) throw new Error("kvset io-lite: a short log write");
        e.pa.fsync(log);
        io.free(got.agg);
        continue;
      }
      const rx = e.pa.postRecv(e.fa, mapped ? map + i * n : inBuf, n, { sem: mapped ? Sem.EMULATED_COPY : Sem.COPY });
      e.pb.sendto(fromB, cb, n, { sem: Sem.COPY });
      const got = rx.wait();
      e.pa.clock = Math.max(e.pa.clock, got.at);
      if (mapped) {
        e.pa.msync(map, n * sets); // the dirty pages: this value's
        continue;
      }
      e.pa.memcpy(obj, inBuf, n); // the store keeps its own object
      e.pa.write(log, obj, n);
      e.pa.fsync(log);
    }
    const res = m.result("kvset", s, n * sets);
    const all = new Uint8Array(n * sets);
    values.forEach((v, i) => all.set(v, i * n));
    verify(`kvset ${s.scheme}`, e.pa.readFile("/log"), all);
    return res;
  },
};

/** WORKLOADS: every workload, in report order. */
export const WORKLOADS: readonly Workload[] = [datagram, filenet, fileserver, cgi, proxy, kvset, modify];

/** workloadByName: the workload called name; Error listing the names otherwise. */
export function workloadByName(name: string): Workload {
  const wl = WORKLOADS.find((x) => x.name === name);
  if (!wl) throw new Error(`unknown workload "${name}" (known: ${WORKLOADS.map((x) => x.name).join(", ")})`);
  return wl;
}
