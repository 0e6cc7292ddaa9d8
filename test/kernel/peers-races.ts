// test/kernel/peers-races.ts — random runs of the schemes after Genie (MSG_ZEROCOPY, vmsplice and
// splice, sendfile, zIO, IO-Lite; docs/peers.md) between two machines, with what a program may do
// to its data while the output is still in flight: store into it, unmap it, free it, write or
// truncate the file it came from, exit. A RaceRun is plain JSON: generate(seed) always gives the
// same one, and runRaces() replays it exactly (the simulation reads no wall clock);
// GENIE_RACES_DEBUG=1 narrates each op and each datagram received.
//
// What a run may not do (each is a Failure):
//   - a datagram arrives that was never sent (no op of its length is outstanding), or with other
//     bytes than were sent where the scheme promises them (strong integrity: sendfile and
//     file-to-pipe splice send the file as it was at the call, zIO the copy as it was made,
//     IO-Lite an immutable buffer, emulated copy the buffer at sendto);
//   - a datagram that must arrive (its sender did not exit before the data left it, its receiver
//     did not exit) never does;
//   - a kernel panic or unexpected exception; an invariant violation after the run, or (with
//     everyEvent) after any event or kernel entry.
//
// By design (not failures):
//   - MSG_ZEROCOPY and vmsplice pin the program's pages without protecting them (weak
//     integrity): a store before the completion, or before the pipe is drained, may reach the
//     wire; with the checksum summed by the CPU at the call, the receiver then drops the datagram
//     (BadUdpChecksum: the run requires one counted drop for each such datagram lost);
//   - a sender that exits before its data leaves it (vmsplice queued in a pipe only it holds, an
//     IO-Lite aggregate in a pipe) sends nothing; a receiver that exits loses every datagram it
//     has not taken (in flight, or queued on its socket);
//   - two sends of the same bytes cannot be told apart: a datagram is matched to the one that
//     must arrive first.
//   - an IO-Lite buffer is immutable once passed: the producer's store into it kills the producer
//     (SEGV_PROT), and its datagram still carries what was passed.

import {
  PAGE_SIZE, ProcState, Rng, SegmentationFault, Sem, getProfile, ioLite, pattern,
  type Aggregate, type Machine, type Process, type World,
} from "../../tools/host/index";
import { makePair, type NicSettings } from "../../tools/scenarios/peers/pair";
import { world as newWorld } from "./machines";

/** The schemes a step sends under (the a side); b receives by copy, emulated copy or into an IO-Lite pool. */
export const RACE_SCHEMES = ["msg-zerocopy", "vmsplice", "sendfile", "splice-file", "zio", "io-lite", "io-lite-file", "io-lite-pipe", "emulated-copy"] as const;
export type RaceScheme = (typeof RACE_SCHEMES)[number];

/** What the sender does while its output is in flight. */
export type Race =
  | "none"
  | "store" // stores into the buffer (vmsplice: before the pipe is drained to the socket)
  | "store-late" // vmsplice: stores after the splice to the socket, while the NIC gathers
  | "munmap" // unmaps the buffer (zio: the copy's source)
  | "exit" // exits (vmsplice, splice-file, io-lite-pipe: before the pipe is drained)
  | "free" // io-lite: frees the aggregate sent
  | "write-file" // sendfile, splice-file, io-lite-file: write() over the range sent
  | "store-mapped" // sendfile, splice-file, io-lite-file: a store through a MAP_SHARED mapping of the file
  | "truncate" // sendfile, splice-file, io-lite-file: the file cut short under the output
  | "evict" // sendfile, splice-file, io-lite-file: reading a file larger than RAM makes the page
  //            cache's clock evict (splice-file: while the pipe holds the pages; io-lite-file:
  //            while the aggregate holds them)
  | "fork"; // a child (sharing the buffer copy-on-write, zio: the elided copy) stores into it and exits

/** The races each scheme allows. */
export const RACES: Record<RaceScheme, readonly Race[]> = {
  "msg-zerocopy": ["none", "store", "munmap", "exit", "fork"],
  vmsplice: ["none", "store", "store-late", "munmap", "exit", "fork"],
  sendfile: ["none", "write-file", "store-mapped", "truncate", "evict", "exit"],
  "splice-file": ["none", "write-file", "store-mapped", "truncate", "evict", "exit"],
  zio: ["none", "store", "munmap", "fork", "exit"],
  "io-lite": ["none", "free", "store", "exit", "fork"],
  "io-lite-file": ["none", "free", "write-file", "store-mapped", "truncate", "evict", "exit"],
  "io-lite-pipe": ["none", "exit"],
  "emulated-copy": ["none", "store", "munmap", "exit", "fork"],
};

/** How b receives: copy, emulated copy (page swapping into its buffer), or into an IO-Lite pool. */
export type RxKind = "copy" | "emulated-copy" | "io-lite";

export interface RaceOp {
  scheme: RaceScheme;
  len: number; // bytes sent
  off: number; // page offset of the buffer, or file offset (file schemes)
  race: Race;
  overlap: boolean; // the next op starts before the world runs (several outputs in flight)
  rx: RxKind; // how b takes datagrams after this op
  post: boolean; // b posts its receive before a sends (delivery straight into the buffer / pool)
  rxExit: boolean; // b exits while this op's datagram is in flight
  cpu: number; // the CPU a's process makes the op on (it moves there first: its address space
  //              is then active on both CPUs of a two-CPU machine, so PTE changes shoot down)
}

export interface RaceRun {
  seed: number;
  profile: string;
  mem: number; // MiB, each machine
  cpusA: number; // CPUs of machine a (1 or 2)
  nic: NicSettings;
  fileBytes: number;
  ops: RaceOp[];
}

export interface Failure {
  kind: string;
  msg: string;
}

const MiB = 1 << 20;
const PORT_A = 1000, PORT_B = 2000;

/** generate: the run of seed (the same every time). */
export function generate(seed: number): RaceRun {
  const rng = new Rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[rng.below(xs.length)];
  const fileBytes = (4 + rng.below(8)) * PAGE_SIZE + rng.below(PAGE_SIZE);
  const ops: RaceOp[] = [];
  const n = 6 + rng.below(7);
  for (let i = 0; i < n; i++) {
    const scheme = pick(RACE_SCHEMES);
    const file = scheme === "sendfile" || scheme === "splice-file" || scheme === "io-lite-file";
    // Sizes: a few bytes (copied by MSG_ZEROCOPY), part of a page, a few pages and a tail.
    const len = pick([1 + rng.below(200), 1 + rng.below(PAGE_SIZE), PAGE_SIZE * (1 + rng.below(4)) + rng.below(PAGE_SIZE), 4 * PAGE_SIZE + rng.below(3 * PAGE_SIZE)]);
    const sendLen = file ? Math.min(len, fileBytes - 1) : scheme === "zio" ? Math.max(len, 4 * PAGE_SIZE) : len;
    const off = file ? rng.below(fileBytes - sendLen) : scheme === "zio" ? 0 : rng.below(PAGE_SIZE);
    ops.push({
      scheme, len: sendLen, off,
      race: rng.below(3) === 0 ? "none" : pick(RACES[scheme]),
      overlap: rng.below(2) === 0,
      rx: pick(["copy", "emulated-copy", "io-lite"] as const),
      post: rng.below(2) === 0,
      rxExit: rng.below(10) === 0,
      cpu: rng.below(2),
    });
  }
  const mtu = pick([0, 1500, 4000, 9000, 0]);
  const cpusA = 1 + rng.below(2);
  return {
    // RAM: 6 to 10 MiB; 4 MiB when an op evicts (the file read through is RAM and one MiB more).
    seed, cpusA, profile: pick(["server-2025", "default", "credit-net-1997"]), mem: ops.some((o) => o.race === "evict") ? 4 : 6 + rng.below(5), fileBytes,
    nic: { mtu, headerSplit: rng.below(2) === 0, checksumOffload: rng.below(2) === 0, earlyDemux: rng.below(2) === 0 },
    ops,
  };
}

/** A datagram a may have sent: its length, its bytes if the scheme promises them, whether it must arrive. */
interface Expect {
  op: number;
  len: number;
  bytes: Uint8Array | null;
  must: boolean;
  got: boolean;
  /** Stored into while pinned for output (weak integrity): with the checksum computed by the
   *  CPU at the call, the wire carries other bytes than were summed and b drops the datagram
   *  (BadUdpChecksum): it may be lost for that reason only. */
  weak?: boolean;
}

export interface RaceOptions {
  /** Run the invariant check on both machines after every event and kernel entry; checks counts them. */
  everyEvent?: { checks: number };
  /** Counts what the run did: datagrams received and matched, of them with their bytes checked. */
  seen?: { datagrams: number; verified: number };
}

/** runRaces: run r on a fresh pair of machines; every failure seen (empty: passed). */
export async function runRaces(r: RaceRun, opts: RaceOptions = {}): Promise<Failure[]> {
  const w = await newWorld(r.seed);
  const e = await makePair(w, { profile: getProfile(r.profile), memory: r.mem * MiB, nic: r.nic, aCpus: r.cpusA, aDisk: true, diskBytes: (2 * r.mem + 8) * MiB });
  const fails: Failure[] = [];
  const every = opts.everyEvent;
  if (every) watchAll(w, [e.a, e.b], fails, every);
  try {
    await new Runner(w, e.a, e.b, e.pa, e.pb, e.fa, e.fb, r, fails, opts.seen ?? { datagrams: 0, verified: 0 }).run();
  } catch (err) {
    fails.push({ kind: "exception", msg: String((err as Error).stack ?? err).slice(0, 2000) });
  }
  w.watch(null);
  for (const m of [e.a, e.b]) {
    if (m.panicked) { fails.push({ kind: "panic", msg: `${m.name}: ${m.panicked}` }); continue; }
    const { violations, report } = m.checkInvariants({ scrub: true });
    if (violations) fails.push({ kind: "invariant", msg: `${m.name}: ${report}` });
  }
  return fails;
}

/** watchAll: check machines after every event and kernel entry of w; the first violation is a failure. */
export function watchAll(w: World, machines: Machine[], fails: Failure[], every: { checks: number }): void {
  w.watch(() => {
    for (const m of machines) {
      if (m.panicked || fails.some((f) => f.kind === "invariant-event")) continue;
      const { violations, report } = m.checkInvariants({ scrub: false });
      every.checks++;
      if (violations) fails.push({ kind: "invariant-event", msg: `${m.name} at t=${w.now}: ${report.slice(0, 2000)}` });
    }
  });
}

class Runner {
  private file: Uint8Array; // the model of a's /f
  private fd = 0; // a's descriptor of /f (read and write)
  private expects: Expect[] = [];
  private posted: { kind: RxKind; wait: () => { len: number; bytes: Uint8Array } } | null = null;
  private rbuf = 0; // b's receive buffer (copy)
  private pool = -1; // b's IO-Lite pool
  private bDead = false;
  private readonly maxLen: number;

  constructor(private w: World, private a: Machine, private b: Machine, private pa: Process, private pb: Process,
    private fa: number, private fb: number, private r: RaceRun, private fails: Failure[], private seen: { datagrams: number; verified: number }) {
    this.file = pattern(r.fileBytes, r.seed);
    this.maxLen = Math.max(...r.ops.map((o) => o.len), 1);
  }

  async run(): Promise<void> {
    this.pa.writeFile("/f", this.file);
    this.fd = this.pa.open("/f", { read: true, write: true });
    this.setupB();
    this.r.ops.forEach((op, i) => {
      // Whoever left (exit, or killed by a store into a passed IO-Lite buffer) is replaced at once:
      // the next op starts with the last one's output still in flight.
      if (!this.pa.alive) this.respawnA();
      if (this.bDead) this.respawnB();
      if (this.r.cpusA > 1 && this.pa.cpu !== op.cpu) this.pa.setCpu(op.cpu);
      if (op.post && !this.posted) this.post(op.rx);
      this.send(op, i);
      if (op.rxExit && !this.bDead) {
        // b leaves with the datagram in flight (and its posted receive): it need not arrive.
        for (const x of this.expects) if (!x.got) x.must = false;
        this.pb.exit(0);
        this.posted = null;
        this.bDead = true;
      }
      if (!op.overlap) this.sync(op.rx);
    });
    this.sync("copy");
    if (process.env.GENIE_RACES_DEBUG) console.log(`a drops ${JSON.stringify(this.a.drops())} b drops ${JSON.stringify(this.b.drops())} a free ${this.a.freeFrames} b free ${this.b.freeFrames}`);
    for (const x of this.expects) if (x.must && !x.got && !x.weak) this.fail("lost", `op ${x.op} (${this.r.ops[x.op].scheme}, ${this.r.ops[x.op].race}): its ${x.len}-byte datagram never arrived`);
    const weakLost = this.expects.filter((x) => x.must && !x.got && x.weak).length, badSums = this.b.drops().BadUdpChecksum ?? 0;
    if (weakLost > badSums) this.fail("lost", `${weakLost} datagrams stored into during output never arrived, only ${badSums} dropped for a bad checksum`);
    if (weakLost > 0 && this.r.nic.checksumOffload) this.fail("lost", `${weakLost} datagrams stored into during output never arrived, though the adapters sum what they send`);
    // Both sides leave; every frame they held must come back (the invariant check after the run).
    if (this.pa.alive) this.pa.exit(0);
    if (this.pb.alive) this.pb.exit(0);
    this.w.run();
  }

  private fail(kind: string, msg: string): void {
    this.fails.push({ kind, msg });
  }

  private setupB(): void {
    this.rbuf = this.pb.mmap(this.maxLen + PAGE_SIZE);
    this.pool = ioLite(this.pb).pool();
  }

  /** respawnA / respawnB: a new process and socket in place of one that exited. */
  private respawnA(): void {
    const p = this.a.spawn();
    this.fa = p.socket();
    p.bind(this.fa, PORT_A);
    p.connect(this.fa, "10.0.0.2", PORT_B);
    this.fd = p.open("/f", { read: true, write: true });
    this.pa = p;
  }
  private respawnB(): void {
    const p = this.b.spawn();
    this.fb = p.socket();
    p.bind(this.fb, PORT_B);
    this.pb = p;
    this.bDead = false;
    this.setupB();
  }

  /** post: b posts a receive before a sends. */
  private post(kind: RxKind): void {
    const pb = this.pb;
    if (kind !== "io-lite") {
      const rx = pb.postRecv(this.fb, this.rbuf, this.maxLen + PAGE_SIZE, { sem: kind === "copy" ? Sem.COPY : Sem.EMULATED_COPY });
      const va = this.rbuf;
      this.posted = { kind, wait: () => { const got = rx.wait(); return { len: got.len, bytes: pb.load(va, got.len) }; } };
    } else {
      const io = ioLite(pb);
      const rx = io.postRead(this.fb, { pool: this.pool, len: this.maxLen + PAGE_SIZE });
      this.posted = { kind, wait: () => { const got = rx.wait()!; const bytes = io.bytes(got.agg); io.free(got.agg); return { len: got.len, bytes }; } };
    }
  }

  /** sync: run the world, take every datagram b has (kind: how), and respawn whoever left. */
  private sync(kind: RxKind): void {
    this.w.run();
    if (!this.pa.alive) this.respawnA();
    if (this.bDead || !this.pb.alive) this.respawnB();
    if (this.posted && this.pb.state !== ProcState.BLOCKED) {
      const got = this.posted.wait();
      this.posted = null;
      this.match(got.len, got.bytes);
    }
    if (this.posted) return; // still waiting: nothing else can be queued
    for (;;) {
      const got = this.take(kind);
      if (!got) break;
      this.match(got.len, got.bytes);
    }
  }

  /** take: one queued datagram of b's socket, or null. */
  private take(kind: RxKind): { len: number; bytes: Uint8Array } | null {
    if (kind !== "io-lite") {
      const got = this.pb.recvfrom(this.fb, this.rbuf, this.maxLen + PAGE_SIZE, { sem: kind === "copy" ? Sem.COPY : Sem.EMULATED_COPY, dontwait: true });
      return got && { len: got.len, bytes: this.pb.load(this.rbuf, got.len) };
    }
    const io = ioLite(this.pb);
    const got = io.readFrom(this.fb, { pool: this.pool, len: this.maxLen + PAGE_SIZE, dontwait: true });
    if (!got) return null;
    const bytes = io.bytes(got.agg);
    io.free(got.agg);
    return { len: got.len, bytes };
  }

  /** match: a datagram b received must be one a sent: the first outstanding one of its length
   *  whose bytes (if promised) are these, one that must arrive first (two sends of the same bytes
   *  cannot be told apart: of a lost one and a delivered one, the one that may be lost was). */
  private match(len: number, bytes: Uint8Array): void {
    if (process.env.GENIE_RACES_DEBUG) console.log(`t=${this.w.now} b got ${len}`);
    const fits = (x: Expect) => !x.got && x.len === len && (x.bytes === null || equal(x.bytes, bytes));
    const x = this.expects.find((x) => x.must && fits(x)) ?? this.expects.find(fits);
    if (x) {
      x.got = true;
      this.seen.datagrams++;
      if (x.bytes) this.seen.verified++;
      return;
    }
    const same = this.expects.find((x) => !x.got && x.len === len);
    this.fail(same ? "integrity" : "unsent", same
      ? `op ${same.op} (${this.r.ops[same.op].scheme}, race ${this.r.ops[same.op].race}): a ${len}-byte datagram differs from the bytes promised, first at byte ${firstDiff(same.bytes!, bytes)}`
      : `a ${len}-byte datagram arrived that no op sent`);
  }

  private expect(op: number, len: number, bytes: Uint8Array | null, must = true): Expect {
    const x: Expect = { op, len, bytes, must, got: false };
    this.expects.push(x);
    return x;
  }

  /** buffer: a fresh mapping holding data at page offset off; its base, span and the data's address. */
  private buffer(p: Process, off: number, data: Uint8Array): { base: number; span: number; va: number } {
    const span = Math.ceil((off + data.length) / PAGE_SIZE) * PAGE_SIZE;
    const base = p.mmap(span);
    p.store(base + off, data);
    return { base, span, va: base + off };
  }

  /** send: a starts op i's output under its scheme and races it. */
  private send(op: RaceOp, i: number): void {
    if (process.env.GENIE_RACES_DEBUG) console.log(`t=${this.w.now} op ${i} ${JSON.stringify(op)}`);
    const pa = this.pa, data = pattern(op.len, 1000 + i);
    const scribble = (va: number, len: number) => pa.fill(va + (len >> 1), Math.min(len - (len >> 1), 64), 0xa5);
    switch (op.scheme) {
      case "msg-zerocopy":
      case "emulated-copy": {
        const { base, span, va } = this.buffer(pa, op.off, data);
        const zc = op.scheme === "msg-zerocopy";
        // Emulated copy promises the bytes at sendto; MSG_ZEROCOPY only if nothing stores early.
        const x = this.expect(i, op.len, zc && op.race === "store" ? null : data);
        x.weak = zc && op.race === "store";
        pa.sendto(this.fa, va, op.len, zc ? { zerocopy: true } : { sem: Sem.EMULATED_COPY });
        if (op.race === "store") scribble(va, op.len);
        else if (op.race === "munmap") pa.munmap(base, span);
        else if (op.race === "exit") pa.exit(0);
        else if (op.race === "fork") this.childStores(va, op.len); // the child's copy, never the pinned frames
        return;
      }
      case "vmsplice": {
        const { base, span, va } = this.buffer(pa, op.off, data);
        const [pr, pw] = pa.pipe();
        pa.vmsplice(pw, va, op.len);
        if (op.race === "exit") { pa.exit(0); return; } // the pipe dies with it: nothing is sent
        if (op.race === "store") scribble(va, op.len); // before the splice: it goes out as stored
        if (op.race === "fork") this.childStores(va, op.len); // the child's copy: the pipe keeps the parent's
        const x = this.expect(i, op.len, op.race === "store" ? expectedAfterScribble(data) : data);
        pa.splice(pr, this.fa, op.len);
        if (op.race === "store-late") { scribble(va, op.len); x.bytes = null; x.weak = true; } // weak: may reach the wire
        if (op.race === "munmap") pa.munmap(base, span);
        pa.close(pw);
        pa.close(pr);
        return;
      }
      case "sendfile":
      case "splice-file": {
        const want = this.file.slice(op.off, op.off + op.len);
        const map = this.mapFile(op);
        if (op.scheme === "sendfile") {
          this.expect(i, op.len, want);
          pa.sendfile(this.fa, this.fd, op.len, op.off);
          this.raceFile(op, map);
          return;
        }
        const [pr, pw] = pa.pipe();
        pa.splice(this.fd, pw, op.len, op.off);
        if (op.race === "exit") { pa.exit(0); return; }
        this.raceFile(op, map); // between the two splices: the pipe holds the file as it was
        this.expect(i, op.len, want);
        pa.splice(pr, this.fa, op.len);
        pa.close(pw);
        pa.close(pr);
        return;
      }
      case "zio": {
        pa.zioConfig({ threshold: PAGE_SIZE, policy: false });
        const src = this.buffer(pa, 0, data), dst = pa.mmap(src.span);
        pa.memcpy(dst, src.va, op.len); // elided: dst's pages owe src's frames
        if (op.race === "store") scribble(src.va, op.len);
        else if (op.race === "munmap") pa.munmap(src.base, src.span);
        else if (op.race === "fork") {
          const child = pa.fork();
          const seen = child.load(dst, op.len);
          if (!equal(seen, data)) this.fail("integrity", `op ${i} (zio): the child sees other bytes in the elided copy, first at ${firstDiff(data, seen)}`);
          child.store(dst, [7, 7, 7]);
          child.exit(0);
        }
        this.expect(i, op.len, data);
        pa.sendto(this.fa, dst, op.len, { sem: Sem.COPY });
        if (op.race === "exit") pa.exit(0);
        else if (op.race !== "munmap") {
          pa.store(src.va, [1]); // the copy already left: neither store changes what was sent
          pa.store(dst, [2]);
        }
        return;
      }
      case "io-lite": {
        const io = ioLite(pa), pool = io.pool();
        const va = io.alloc(pool, op.len);
        pa.store(va, data);
        const agg: Aggregate = [{ va, len: op.len }];
        this.expect(i, op.len, data);
        io.write(this.fa, agg);
        if (op.race === "free") io.free(agg);
        else if (op.race === "exit") pa.exit(0);
        else if (op.race === "store") this.storeKills(pa, va, i);
        else if (op.race === "fork") {
          const child = pa.fork(); // the window is inherited read-only: the child's store kills it
          this.storeKills(child, va, i);
        }
        return;
      }
      case "io-lite-file": {
        const io = ioLite(pa), map = this.mapFile(op);
        pa.lseek(this.fd, op.off);
        const agg = io.read(this.fd, { len: op.len });
        this.expect(i, op.len, this.file.slice(op.off, op.off + op.len));
        io.write(this.fa, agg);
        if (op.race === "free") io.free(agg);
        else this.raceFile(op, map);
        if (op.race !== "free" && op.race !== "exit") io.free(agg);
        return;
      }
      case "io-lite-pipe": {
        const [pr, pw] = pa.pipe();
        const child = pa.fork(); // the CGI process: fills a buffer of its pool, passes it, exits
        const ic = ioLite(child), va = ic.alloc(ic.pool(), op.len);
        child.store(va, data);
        ic.write(pw, [{ va, len: op.len }]);
        ic.free([{ va, len: op.len }]);
        child.exit(0);
        if (op.race === "exit") { pa.exit(0); return; } // the aggregate dies in the pipe
        const io = ioLite(pa);
        const agg = io.read(pr, { len: op.len });
        this.expect(i, op.len, data);
        io.write(this.fa, agg);
        io.free(agg);
        pa.close(pw);
        pa.close(pr);
        return;
      }
    }
  }

  /** mapFile: for a store-mapped race, the file mapped MAP_SHARED and every page touched (so the
   *  output must write-protect the mapping); else 0. */
  private mapFile(op: RaceOp): number {
    if (op.race !== "store-mapped") return 0;
    const map = this.pa.mmap(this.file.length, { fd: this.fd, shared: true });
    this.pa.load(map, this.file.length);
    return map;
  }

  /** childStores: a forked child of a stores into [va, va+len) and exits. */
  private childStores(va: number, len: number): void {
    const child = this.pa.fork();
    child.fill(va, len, 0x77);
    child.exit(0);
  }

  /** storeKills: p's store into a passed IO-Lite buffer must kill p (SEGV_PROT). */
  private storeKills(p: Process, va: number, i: number): void {
    try {
      p.store(va, [9]);
      this.fail("integrity", `op ${i} (io-lite): pid ${p.pid}'s store into a passed buffer succeeded`);
    } catch (err) {
      if (!(err instanceof SegmentationFault)) throw err;
    }
  }

  /** raceFile: the file races of op while its range is in flight (the model follows). */
  private raceFile(op: RaceOp, map: number): void {
    const pa = this.pa;
    if (op.race === "write-file") {
      const at = op.off + (op.len >> 1), bytes = new Uint8Array(Math.min(PAGE_SIZE + 7, this.file.length - at)).fill(0x3c);
      const buf = pa.mmap(PAGE_SIZE * 2);
      pa.store(buf, bytes);
      pa.lseek(this.fd, at);
      pa.write(this.fd, buf, bytes.length);
      pa.munmap(buf, PAGE_SIZE * 2);
      this.file.set(bytes, at);
    } else if (op.race === "store-mapped") {
      const at = op.off + (op.len >> 1);
      pa.store(map + at, [0xee, 0xee]);
      this.file.set([0xee, 0xee].slice(0, this.file.length - at), at);
      pa.munmap(map, Math.ceil(this.file.length / PAGE_SIZE) * PAGE_SIZE);
    } else if (op.race === "truncate") {
      const keep = op.off + (op.len >> 2);
      pa.ftruncate(this.fd, keep);
      // And back to its length with write() (zeroes), so that every page has its block again (a
      // hole cannot be written through a mapping: SIGBUS, vm/fault.ts).
      const rest = this.file.length - keep, buf = pa.mmap(rest + PAGE_SIZE);
      pa.lseek(this.fd, keep);
      pa.write(this.fd, buf, rest);
      pa.munmap(buf, rest + PAGE_SIZE);
      this.file.fill(0, keep);
    } else if (op.race === "evict") {
      // A file one MiB larger than RAM, read through: the clock must evict most of the cache.
      const big = "/big", bytes = (this.r.mem + 1) * MiB, chunk = 16 * PAGE_SIZE;
      const buf = pa.mmap(chunk);
      if (!this.bigWritten) { // written a chunk at a time (written at once, its bytes would not fit in RAM)
        pa.fill(buf, chunk, 0x42);
        const fd = pa.open(big, { write: true, create: true });
        for (let at = 0; at < bytes; at += chunk) pa.write(fd, buf, chunk);
        pa.close(fd);
        this.bigWritten = true;
      }
      const fd = pa.open(big);
      for (let at = 0; at < bytes; at += chunk) pa.read(fd, buf, chunk);
      pa.munmap(buf, chunk);
      pa.close(fd);
    } else if (op.race === "exit") pa.exit(0);
  }
  private bigWritten = false;
}

/** expectedAfterScribble: data with the bytes scribble() stores. */
function expectedAfterScribble(data: Uint8Array): Uint8Array {
  const x = data.slice(), len = data.length;
  x.fill(0xa5, len >> 1, (len >> 1) + Math.min(len - (len >> 1), 64));
  return x;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  let i = 0;
  while (i < Math.min(a.length, b.length) && a[i] === b[i]) i++;
  return i;
}
