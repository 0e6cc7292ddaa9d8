// test/kernel/datagram-scenarios.ts — random one-way UDP datagram scenarios between two machines,
// and the checker that runs them. A Scenario is plain JSON: generate(seed) always gives the same
// one, and runScenario() replays it exactly (the simulation reads no wall clock).
//
// What a scenario may not do (each is a Failure):
//   - a delivered datagram differs from the one sent (clean wire: the one sent in that place;
//     impaired wire: one of those sent), or has the wrong length;
//   - a byte around the receive buffer changes (and, except for share, a byte inside it beyond
//     the delivered length); a move-family receive region holds anything but zeroes outside the
//     data, or the data is not at the page offset asked for;
//   - the sender's buffer changes (strong integrity: also when overwritten, unmapped or the
//     sender exits right after sendto — the datagram must still carry what was sent);
//   - a write-protected or unmapped posted buffer is written;
//   - on a clean wire, a datagram is dropped or never delivered unless a limit below explains it;
//   - a kernel panic or unexpected exception; an invariant violation (checkInvariants) after a
//     round; an ANON frame left after both processes exited; on a clean wire, fewer free frames
//     after a second identical round than after the first.
//
// By design (not failures):
//   - reassembly holds at most max(2 MiB, memory/4) bytes and 2048 pieces per machine: a
//     datagram past either is dropped (ReasmMemory) and the receive never completes;
//   - a machine with less than 4n+8 MiB for an n-byte datagram (buffer, reassembly copy, kernel
//     and device buffers) may drop it or refuse the send with ENOMEM, or kill the process for
//     lack of memory (OOM) on a page fault;
//   - share input writes in place: bytes of the posted buffer beyond the returned length may
//     hold parts of other datagrams (the application lent the whole buffer);
//   - on a wire that corrupts, a delivered datagram may differ in up to 8 bytes: the wire flips
//     one bit per corrupted frame and two flips can cancel in the 16-bit UDP checksum;
//   - an incomplete datagram (fragments lost on an impaired wire, or the rest dropped at a limit
//     above) keeps its fragments' frames in reassembly while the link is idle (nothing arrives to
//     expire it), so free frames are compared only on a clean wire with no drop.

import {
  PAGE_SIZE, connect, firstDifference, getProfile, pattern, semanticsByName, wireOptions,
  type Process, type SemanticsInfo,
} from "../../tools/host/index";
import { world as newWorld } from "./machines";
import type { Pair } from "../../tools/scenarios/peers/pair";
import { checked } from "../setup/invariants";

export interface Datagram {
  len: number; // bytes sent
  rlen: number; // receive buffer length
  so: number; // sender buffer page offset
  ro: number; // receiver buffer page offset
  ssem: string; // send semantics (SEMANTICS name)
  rsem: string; // receive semantics
  post: "before" | "after"; // receive posted before the send, or recvfrom after delivery
  resident: "full" | "none" | "some"; // receive buffer pages touched before posting
  overwrite: boolean; // sender writes its buffer right after sendto (strong) / after iowait (weak)
  migrate: boolean; // sender moves to another CPU between filling its buffer and sending
  keep: boolean; // receive buffer stays mapped until the end of the round
  after?: "none" | "munmap" | "exit"; // sender unmaps its buffer / exits right after sendto
  rxAbuse?: "none" | "munmap" | "mprotect"; // receiver unmaps / write-protects its posted buffer
}

export interface Scenario {
  seed: number;
  profile: string;
  memA: number; // MiB
  memB: number;
  cpusA: number;
  cpusB: number;
  cpuA: number;
  cpuB: number;
  mtuA: number;
  mtuB: number;
  hsA: boolean; hsB: boolean; // header split
  csA: boolean; csB: boolean; // checksum offload
  edA: boolean; edB: boolean; // early demultiplexing
  wire: { loss: number; corrupt: number; duplicate: number; reorder: number } | null; // null: clean
  fast: boolean; // 100 Gbit/s, 1 µs wire instead of the profile's
  mode: "serial" | "burst"; // one datagram at a time, or all sent before any is received
  rounds: number;
  dgs: Datagram[];
}

export interface Failure {
  kind: string;
  msg: string;
}

const MiB = 1 << 20;
const roundUp = (x: number) => Math.ceil(x / PAGE_SIZE) * PAGE_SIZE;


/** fragmentStep: IP payload bytes per fragment of a datagram of len bytes at this MTU (0: one packet). */
function fragmentStep(len: number, mtu: number): { step: number; ihl: number } {
  const ipLen = len + 8;
  const jumbo = ipLen > 65515;
  const m = Math.min(mtu, 65535);
  if (!jumbo && ipLen + 20 <= m) return { step: 0, ihl: 20 };
  const ihl = jumbo ? 32 : 20; // a jumbogram's IP header carries a 12-byte length option
  return { step: (m - ihl) & ~7, ihl };
}

/** reassemblyCharge: bytes reassembly charges for a datagram of len bytes not laid out by a receive plan. */
function reassemblyCharge(len: number, mtu: number, headerSplit: boolean): number {
  const { step, ihl } = fragmentStep(len, mtu);
  if (!step) return 0;
  let c = 0;
  for (let off = 0; off < len + 8; off += step) {
    const frame = 14 + ihl + Math.min(step, len + 8 - off);
    const data = headerSplit ? frame - (14 + ihl + (off === 0 ? 8 : 0)) : frame;
    c += Math.max(1, Math.ceil(data / PAGE_SIZE)) * PAGE_SIZE;
  }
  return c;
}

/** packets: frames a datagram of len bytes takes at this MTU. */
function packets(len: number, mtu: number): number {
  const { step } = fragmentStep(len, mtu);
  return step ? Math.ceil((len + 8) / step) : 1;
}

/** tightMemory: a machine of mem MiB has less than 4n+8 MiB for these datagrams (by design, see above). */
const tightMemory = (mem: number, dgs: Datagram[], off: (d: Datagram) => number) =>
  mem * MiB < 4 * dgs.reduce((s, d) => s + roundUp(d.len + off(d)), 0) + 8 * MiB;

/** reassemblyLimited: datagrams that reassembly may drop by design on the receiver (limits above). */
function reassemblyLimited(s: Scenario, dgs: Datagram[]): boolean {
  const limit = Math.max(2 * MiB, (s.memB * MiB) / 4);
  const charge = dgs.reduce((c, d) => c + reassemblyCharge(d.len, s.mtuA, s.hsB), 0);
  const pieces = dgs.reduce((c, d) => c + packets(d.len, s.mtuA), 0);
  return charge > limit || pieces > 2048 || tightMemory(s.memB, dgs, (d) => d.ro);
}

interface Round extends Pair {
  s: Scenario;
  round: number;
  fails: Failure[];
  limited: boolean; // set when a datagram was dropped by design (limits above)
}

interface Rx {
  d: Datagram;
  i: number;
  rs: SemanticsInfo;
  rx: ReturnType<Process["postRecv"]> | null;
  rb: number; // mapping: a guard page, the buffer's pages, a guard page (0: move family)
  span: number;
  vb: number; // the buffer (move family: the page offset asked)
  before: Uint8Array | null; // the mapping's bytes before the receive
}

interface Tx {
  d: Datagram;
  i: number;
  ss: SemanticsInfo;
  data: Uint8Array;
  base: number;
  span: number;
  va: number;
  token: number;
  sent: boolean;
  changed: boolean; // the sender overwrote, unmapped or left its buffer after sendto
}

export interface RunOptions {
  /** Run the invariant check on both machines after every event and every kernel entry (not
   *  only after each round); checks counts the checks made. */
  everyEvent?: { checks: number };
}

/** runScenario: run s on a fresh pair of machines; every failure seen (empty: passed). */
export async function runScenario(s: Scenario, opts: RunOptions = {}): Promise<Failure[]> {
  const world = await newWorld(s.seed);
  const profile = getProfile(s.profile);
  const a = await world.machine({ name: "a", memory: s.memA * MiB, cpus: s.cpusA, profile });
  const b = await world.machine({ name: "b", memory: s.memB * MiB, cpus: s.cpusB, profile });
  const na = a.attachNic({ ip: "10.0.0.1", mtu: s.mtuA, headerSplit: s.hsA, checksumOffload: s.csA, earlyDemux: s.edA });
  const nb = b.attachNic({ ip: "10.0.0.2", mtu: s.mtuB, headerSplit: s.hsB, checksumOffload: s.csB, earlyDemux: s.edB });
  const wo = s.fast ? { bandwidthBps: 100e9, latencyNs: 1000, perFrameOverhead: 24, minFrameBytes: 60 } : wireOptions(profile);
  connect(na, nb, { ...wo, ...(s.wire ?? {}) });
  const fails: Failure[] = [];
  const free: number[][] = [];
  let limited = false;
  const every = opts.everyEvent;
  if (every)
    world.watch(() => {
      for (const m of [a, b]) {
        if (m.panicked || fails.some((f) => f.kind === "invariant-event")) continue;
        const { violations, report } = m.checkInvariants({ scrub: false });
        every.checks++;
        if (violations) fails.push({ kind: "invariant-event", msg: `${m.name} at t=${world.now}: ${report.slice(0, 2000)}` });
      }
    });
  try {
    for (let round = 0; round < s.rounds && !fails.length; round++) {
      const pa = a.spawn({ cpu: s.cpuA }), pb = b.spawn({ cpu: s.cpuB });
      const fa = pa.socket(), fb = pb.socket();
      pa.bind(fa, 1000);
      pb.bind(fb, 2000);
      const c: Round = { s, world, a, b, pa, pb, fa, fb, round, fails, limited: false };
      runRound(c);
      limited ||= c.limited;
      world.run();
      for (const m of [a, b]) {
        const { violations, report } = m.checkInvariants();
        if (violations) fails.push({ kind: "invariant", msg: `${m.name} after round ${round}: ${report.slice(0, 2000)}` });
        const anon = m.frameMap().filter((f) => f.kind === "ANON");
        if (anon.length) fails.push({ kind: "leak-anon", msg: `${m.name} after round ${round}: ${anon.length} ANON frames left after every process exited: ${anon.slice(0, 3).map((f) => JSON.stringify(f)).join(" ")}` });
      }
      free.push([a.freeFrames, b.freeFrames]);
    }
    if (!fails.length && s.wire === null && !limited)
      for (let r = 1; r < free.length; r++)
        for (const [k, m] of [a, b].entries())
          if (free[r][k] !== free[r - 1][k])
            fails.push({ kind: "leak-frames", msg: `${m.name}: free frames after round ${r - 1}: ${free[r - 1][k]}, after round ${r}: ${free[r][k]} (${JSON.stringify(m.frameSummary())}; drops ${JSON.stringify(m.drops())})` });
  } catch (e) {
    const err = e as Error;
    const msg = String(err?.message ?? e);
    // a process killed for lack of memory on a machine too small for the scenario: by design
    const oom = /OOM/.test(msg) && (tightMemory(s.memA, s.dgs, (d) => d.so) || tightMemory(s.memB, s.dgs, (d) => d.ro));
    if (!oom) fails.push({ kind: `exception:${err?.name ?? "Error"}`, msg: msg.split("\n").slice(0, 6).join(" | ") });
  }
  world.watch(null);
  if (!fails.some((f) => f.kind === "exception:KernelPanic"))
    for (const m of [a, b]) {
      try {
        const { violations, report } = m.checkInvariants();
        if (violations) fails.push({ kind: "invariant", msg: `${m.name} at the end: ${report.slice(0, 2000)}` });
        else checked(m); // checked here: the after-test check need not keep the machine alive
      } catch (e) {
        fails.push({ kind: "exception", msg: `checkInvariants on ${m.name}: ${(e as Error).message}` });
      }
    }
  return fails;
}

/** runRound: one round of s.dgs from a fresh sender to a fresh receiver; both exit at the end. */
function runRound(c: Round): void {
  const { s, world, b, pa, pb, fa, fb, round, fails } = c;
  const fail = (kind: string, msg: string) => fails.push({ kind, msg: `round ${round}: ${msg}` });
  const clean = s.wire === null;
  const sent: Tx[] = [];
  const dropsBefore = JSON.stringify(b.drops());
  let noBufferBefore = b.nics[0].stats.rxNoBuffer;

  const mkTx = (d: Datagram, i: number): Tx => {
    const ss = semanticsByName(d.ssem);
    const data = pattern(d.len, (s.seed * 131 + i * 7919 + round * 31337) >>> 0 || 1);
    // app buffers get a page of slack after them (so that the data may end mid-page)
    const span = roundUp(d.so + d.len) + (ss.buffers === "system" ? 0 : PAGE_SIZE);
    const base = pa.mmap(span);
    const va = base + d.so;
    if (d.migrate && s.cpusA > 1) pa.setCpu((pa.cpu + 1) % s.cpusA);
    pa.store(va, data);
    if (d.migrate && s.cpusA > 1) pa.setCpu((pa.cpu + 1) % s.cpusA);
    return { d, i, ss, data, base, span, va, token: 0, sent: false, changed: false };
  };

  const mkRx = (d: Datagram, i: number): Rx => {
    const rs = semanticsByName(d.rsem);
    if (rs.buffers === "system") return { d, i, rs, rx: null, rb: 0, span: 0, vb: d.ro, before: null };
    const span = roundUp(d.ro + d.rlen) + 2 * PAGE_SIZE;
    const rb = pb.mmap(span);
    const g = pattern(span, (s.seed * 17 + i * 104729 + 1) >>> 0);
    // the guard pages always hold the pattern; the buffer's own pages only if resident
    const before = new Uint8Array(span);
    const touch = (pg: number) => {
      const bytes = g.subarray(pg * PAGE_SIZE, (pg + 1) * PAGE_SIZE);
      before.set(bytes, pg * PAGE_SIZE);
      pb.store(rb + pg * PAGE_SIZE, bytes);
    };
    const pages = span / PAGE_SIZE;
    touch(0);
    touch(pages - 1);
    for (let pg = 1; pg < pages - 1; pg++)
      if (d.resident === "full" || (d.resident === "some" && ((pg * 2654435761 + i) >>> 0) % 3 === 0)) touch(pg);
    return { d, i, rs, rx: null, rb, span, vb: rb + PAGE_SIZE + d.ro, before };
  };

  const post = (r: Rx) => {
    r.rx = pb.postRecv(fb, r.vb, r.d.rlen, { sem: r.rs.sem });
  };

  /** send: sendto; false if refused as it may be (move family at a page offset, ENOMEM on a tight machine). */
  const send = (t: Tx): boolean => {
    const d = t.d;
    const unaligned = t.ss.buffers === "system" && d.so % PAGE_SIZE !== 0;
    try {
      pa.sendto(fa, t.va, d.len, { ip: "10.0.0.2", port: 2000, sem: t.ss.sem });
    } catch (e) {
      const m = (e as Error).message;
      if (unaligned && /EINVAL/.test(m)) return false;
      if (/ENOMEM/.test(m) && tightMemory(s.memA, [d], (x) => x.so)) return false;
      throw e;
    }
    if (unaligned) fail("accepted-unaligned-move", `dg ${t.i}: ${d.ssem} send at page offset ${d.so} was accepted`);
    t.token = pa.token;
    t.sent = true;
    sent.push(t);
    const strong = t.ss.integrity === "strong";
    if (strong && t.ss.buffers === "app" && d.overwrite) {
      pa.store(t.va, t.data.map((x) => x ^ 0xa5));
      t.changed = true;
    }
    if (strong && t.ss.buffers === "app" && d.after === "munmap") {
      pa.munmap(t.base, t.span);
      t.changed = true;
    }
    if (strong && d.after === "exit") {
      pa.exit(0);
      t.changed = true;
    }
    return true;
  };

  /** complete: the send is over: the sender's buffer must still hold what it sent; release it. */
  const complete = (t: Tx) => {
    if (!t.sent) return;
    if (!pa.alive || (t.changed && t.d.after && t.d.after !== "none")) { world.run(); return; }
    if (t.ss.integrity === "weak" && t.token) pa.iowait(t.token);
    if (t.ss.buffers === "app") {
      if (!t.changed) {
        const k = firstDifference(pa.load(t.va, t.d.len), t.data);
        if (k >= 0) fail("sender-buffer", `dg ${t.i}: the sender's buffer changed at byte ${k} (${t.d.ssem})`);
      }
      if (t.d.overwrite && t.ss.integrity === "weak") pa.store(t.va, t.data.map((x) => x ^ 0x5a));
      pa.munmap(t.base, t.span);
    } else world.run(); // move family: the region left with the send (or leaves at completion)
  };

  /** verify: receive r got `got`: the datagram expected (clean wire) or any sent; nothing else changed. */
  const verify = (r: Rx, got: { len: number; va: number }, expect: Tx | null) => {
    const d = r.d;
    const n = got.len;
    const system = r.rs.buffers === "system";
    if (system && n > 0 && (got.va & 4095) !== (d.ro & 4095))
      fail("move-offset", `dg ${r.i}: ${d.rsem} data at 0x${got.va.toString(16)}, page offset ${got.va & 4095}, asked ${d.ro & 4095}`);
    const bytes = n > 0 ? pb.load(system ? got.va : r.vb, n) : new Uint8Array(0);
    if (expect) {
      const want = Math.min(expect.d.len, d.rlen);
      const k = firstDifference(bytes, expect.data.subarray(0, n));
      if (want !== n) fail("length", `dg ${r.i}: received ${n} bytes, expected ${want}`);
      else if (k >= 0) {
        let count = 0;
        for (let q = k; q < n; q++) if (bytes[q] !== expect.data[q]) count++;
        fail("data", `dg ${r.i}: received bytes differ from those sent, first at byte ${k} of ${n} (${count} bytes differ; got ${Array.from(bytes.subarray(k, k + 8))}, want ${Array.from(expect.data.subarray(k, k + 8))})`);
      }
    } else {
      // impaired wire: one of the datagrams sent, up to 8 bytes off if the wire corrupts
      let closest = Infinity;
      for (const t of sent) {
        if (Math.min(t.d.len, d.rlen) !== n) continue;
        let nd = 0;
        for (let q = 0; q < n && nd <= 8; q++) if (bytes[q] !== t.data[q]) nd++;
        closest = Math.min(closest, nd);
      }
      if (!(closest === 0 || (closest <= 8 && (s.wire?.corrupt ?? 0) > 0)))
        fail("data-impaired", `dg ${r.i}: received ${n} bytes matching no datagram sent (closest differs in ${closest === Infinity ? "length" : `${closest}+ bytes`})`);
    }
    if (r.before) {
      const all = pb.load(r.rb, r.span);
      const lo = r.vb - r.rb;
      const hi = lo + (r.rs.name === "share" ? d.rlen : n); // share: the whole lent buffer may change
      const k1 = firstDifference(all.subarray(0, lo), r.before.subarray(0, lo));
      const k2 = firstDifference(all.subarray(hi), r.before.subarray(hi));
      if (k1 >= 0) fail("guard-before", `dg ${r.i}: byte ${k1 - lo} (relative to the buffer) before the receive buffer changed`);
      if (k2 >= 0) fail("guard-after", `dg ${r.i}: byte ${k2} after the received data changed (n=${n}, rlen=${d.rlen})`);
      if (!d.keep) pb.munmap(r.rb, r.span);
    } else if (n > 0) {
      const reg = pb.regions().find((g) => g.start <= got.va && got.va < g.end);
      if (!reg) fail("move-region", `dg ${r.i}: no region at 0x${got.va.toString(16)}`);
      else {
        const all = pb.load(reg.start, reg.end - reg.start);
        const lo = got.va - reg.start, hi = lo + n;
        const k1 = all.subarray(0, lo).findIndex((v) => v !== 0), k2 = all.subarray(hi).findIndex((v) => v !== 0);
        if (k1 >= 0 || k2 >= 0) fail("move-region-bytes", `dg ${r.i}: region [0x${reg.start.toString(16)}, 0x${reg.end.toString(16)}) holds nonzero bytes outside the data (${k1} before, ${k2} after)`);
        if (!d.keep) pb.munmap(reg.start, reg.end - reg.start);
      }
    }
  };

  /** dropped: on a clean wire, did the receiver drop anything? A failure unless by design for dgs. */
  const dropped = (what: string, dgs: Datagram[]): boolean => {
    if (!clean) return false;
    const now = JSON.stringify(b.drops());
    const noBuffer = b.nics[0].stats.rxNoBuffer - noBufferBefore;
    noBufferBefore += noBuffer;
    if (now === dropsBefore && noBuffer === 0) return false;
    if (reassemblyLimited(s, dgs)) c.limited = true;
    else fail("drop", `${what}: drops ${now} (before ${dropsBefore}), rxNoBuffer +${noBuffer} on a clean wire`);
    return true;
  };

  /** finish: let every send complete, then both processes exit. */
  const finish = () => {
    world.run();
    for (const t of sent) if (pa.alive && t.ss.integrity === "weak" && t.token) { try { pa.iowait(t.token); } catch { /* already complete */ } }
    world.run();
    if (pa.alive) pa.exit(0);
    if (pb.alive) pb.exit(0);
    world.run();
    pa.reap();
    pb.reap();
  };

  if (clean && s.mode === "serial") {
    for (let i = 0; i < s.dgs.length && !fails.length && pa.alive; i++) {
      const d = s.dgs[i];
      const t = mkTx(d, i), r = mkRx(d, i);
      if (d.post === "before") post(r);
      if (d.post === "before" && d.rxAbuse && d.rxAbuse !== "none" && r.before) {
        // the application breaks its own posted buffer: the receive fails (EFAULT) or the process
        // is killed; the kernel never panics, leaks or writes to a write-protected page
        if (d.rxAbuse === "munmap") pb.munmap(r.rb, r.span); else pb.mprotect(r.rb, r.span, 1 /* READ */);
        if (!send(t)) { pb.kill(); return finish(); }
        world.run();
        if (!r.rx!.ready) { pb.kill(); return finish(); }
        try {
          r.rx!.wait();
        } catch (e) {
          const { name, message } = e as Error;
          if (!(name === "ProcessGone" || (name === "SyscallError" && /EFAULT/.test(message)))) throw e;
          if (!pb.alive) return finish();
        }
        if (d.rxAbuse === "mprotect") {
          const k = firstDifference(pb.load(r.rb, r.span), r.before);
          if (k >= 0) fail("rx-abuse-write", `dg ${i}: a write-protected receive buffer changed at byte ${k}`);
          pb.munmap(r.rb, r.span);
        }
        complete(t);
        continue;
      }
      if (!send(t)) {
        if (r.rx) { pb.kill(); return finish(); }
        if (r.before) pb.munmap(r.rb, r.span);
        continue;
      }
      let got;
      if (d.post === "before") {
        try {
          got = r.rx!.wait();
        } catch (e) {
          if (!/would wait forever/.test((e as Error).message)) throw e;
          if (!dropped(`dg ${i}`, [d])) fail("not-delivered", `dg ${i}: the receive would wait forever, no drop counted`);
          pb.kill();
          return finish();
        }
      } else {
        world.run();
        got = pb.recvfrom(fb, r.vb, d.rlen, { sem: r.rs.sem, dontwait: true });
        if (!got) {
          if (!dropped(`dg ${i}`, [d])) fail("not-delivered", `dg ${i}: nothing queued after the world ran, no drop counted`);
          return finish();
        }
      }
      world.run();
      if (dropped(`dg ${i}`, [d])) return finish();
      verify(r, got, t);
      complete(t);
    }
  } else if (clean) {
    // burst: every datagram sent before the first is received (all in reassembly at once)
    const txs = s.dgs.map((d, i) => mkTx(d, i));
    const rxs = s.dgs.map((d, i) => mkRx(d, i));
    if (s.dgs[0].post === "before") post(rxs[0]);
    if (!txs.map((t) => send(t)).every(Boolean)) { pb.kill(); return finish(); }
    for (let i = 0; i < rxs.length && !fails.length; i++) {
      const r = rxs[i];
      if (!r.rx) post(r);
      let got;
      try {
        got = r.rx!.wait();
      } catch (e) {
        if (!/would wait forever/.test((e as Error).message)) throw e;
        if (!dropped(`burst dg ${i}`, s.dgs)) fail("not-delivered", `burst dg ${i}: the receive would wait forever, no drop counted`);
        pb.kill();
        return finish();
      }
      if (dropped(`burst dg ${i}`, s.dgs)) { pb.kill(); return finish(); }
      verify(r, got, txs[i]);
    }
    world.run();
    dropped("burst", s.dgs);
    for (const t of txs) complete(t);
  } else {
    // impaired wire: delivery is not guaranteed; whatever is delivered must be one of those sent
    let pending: Rx | null = null;
    for (let i = 0; i < s.dgs.length && !fails.length; i++) {
      const d = s.dgs[i];
      const t = mkTx(d, i);
      if (!pending && d.post === "before") {
        pending = mkRx(d, i);
        post(pending);
      }
      if (!send(t)) continue;
      world.run();
      if (pending?.rx!.ready) {
        verify(pending, pending.rx!.wait(), null);
        pending = null;
      }
      if (!pending) {
        // drain what is queued, into receives of this datagram's shape
        for (;;) {
          const r = mkRx({ ...d, rlen: Math.max(d.rlen, d.len) }, i);
          const got = pb.recvfrom(fb, r.vb, r.d.rlen, { sem: r.rs.sem, dontwait: true });
          if (!got) { if (r.before) pb.munmap(r.rb, r.span); break; }
          verify(r, got, null);
        }
      }
      complete(t);
    }
    if (pending) pb.kill(); // its datagram was lost: the receiver dies waiting
  }
  finish();
}

/** Rand: a small deterministic generator (mulberry32). */
class Rand {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 1; }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  chance(p: number): boolean { return this.next() < p; }
}

const SEMS = ["copy", "emulated-copy", "share", "emulated-share", "move", "emulated-move", "weak-move", "emulated-weak-move"];
const OFFSETS = [0, 1, 2047, 4095, 8, 42, 100, 2048, 4094];
const MTUS = [576, 1500, 4000, 9000, 65535];
const ODD_MTUS = [68, 1280, 4116, 4128, 8212, 16384, 32768];

/** datagramLength: a length up to max, biased to the edges (pages, whole packets, whole fragments, 64 KiB, 1 MiB). */
function datagramLength(r: Rand, mtu: number, max: number): number {
  const m = Math.min(mtu, 65535);
  const jumboStep = (m - 32) & ~7, fragStep = (m - 20) & ~7;
  const choices: (() => number)[] = [
    () => 1 + r.int(64),
    () => 1 + r.int(9000),
    () => (1 + r.int(8)) * PAGE_SIZE + r.pick([-1, 0, 1]),
    () => (1 + r.int(256)) * PAGE_SIZE + r.pick([-1, 0, 1]),
    () => m - 28 + r.pick([-1, 0, 1]), // one packet exactly
    () => (1 + r.int(40)) * fragStep - 8 + r.pick([-1, 0, 1]), // k whole fragments
    () => 65507 + r.pick([-1, 0, 1]), // the largest datagram without a jumbogram
    () => MiB - r.int(2),
    () => (1 + r.int(Math.max(1, Math.floor(MiB / jumboStep)))) * jumboStep - 8 + r.pick([-1, 0, 1]),
    () => 1 + r.int(MiB),
  ];
  return Math.max(1, Math.min(max, r.pick(choices)()));
}

/** generate: the scenario of a seed (the same one on every run). */
export function generate(seed: number): Scenario {
  const r = new Rand(seed);
  const profile = r.pick(["default", "credit-net-1997", "server-2025"]);
  const mtu = r.chance(0.15) ? r.pick(ODD_MTUS) : r.pick(MTUS);
  const mtuB = r.chance(0.1) ? r.pick([...MTUS, ...ODD_MTUS].filter((m) => m >= mtu)) : mtu; // the receiver's MTU is never below the sender's
  const hs = r.chance(0.5), cs = r.chance(0.5), ed = r.chance(0.6);
  const mixNic = r.chance(0.15);
  const cpusA = 1 + r.int(4), cpusB = 1 + r.int(4);
  const impaired = r.chance(0.2);
  const ndg = r.chance(0.4) ? 1 : 1 + r.int(5);
  const maxLen = r.chance(0.3) ? MiB : r.chance(0.5) ? 70000 : 20000;
  const sameSem = r.chance(0.5);
  const dgs: Datagram[] = [];
  let longest = 0;
  for (let i = 0; i < ndg; i++) {
    const ssem = r.pick(SEMS);
    const rsem = sameSem ? ssem : r.pick(SEMS);
    const len = datagramLength(r, mtu, maxLen);
    longest = Math.max(longest, len);
    const so = semanticsByName(ssem).buffers === "system" ? (r.chance(0.05) ? r.pick(OFFSETS) : 0) : r.chance(0.7) ? r.pick(OFFSETS) : r.int(4096);
    const ro = r.chance(0.7) ? r.pick(OFFSETS) : r.int(4096);
    const rlen = r.chance(0.8) ? len : r.chance(0.5) ? Math.max(1, len - 1 - r.int(Math.max(1, len))) : len + 1 + r.int(5000);
    dgs.push({
      len, rlen: Math.max(1, Math.min(rlen, MiB)), so, ro, ssem, rsem,
      post: r.chance(0.7) ? "before" : "after",
      resident: r.pick(["full", "none", "some"] as const),
      overwrite: r.chance(0.4),
      migrate: r.chance(0.2),
      keep: r.chance(0.2),
      after: r.chance(0.85) ? "none" : r.chance(0.5) ? "munmap" : i === ndg - 1 ? "exit" : "munmap",
      rxAbuse: r.chance(0.92) ? "none" : r.chance(0.5) ? "munmap" : "mprotect",
    });
  }
  // memory: mostly enough (4n+8 MiB), sometimes tight
  const needed = Math.ceil((4 * longest + 8 * MiB) / MiB);
  const mem = () => (r.chance(0.7) ? Math.min(64, Math.max(needed, r.pick([4, 8, 12, 16, 24, 32]))) : r.pick([4, 6, 8, 12, 16, 24, 32]));
  return {
    seed,
    profile,
    memA: mem(),
    memB: mem(),
    cpusA, cpusB,
    cpuA: r.int(cpusA), cpuB: r.int(cpusB),
    mtuA: mtu, mtuB,
    hsA: mixNic ? r.chance(0.5) : hs, hsB: hs,
    csA: mixNic ? r.chance(0.5) : cs, csB: cs,
    edA: mixNic ? r.chance(0.5) : ed, edB: ed,
    wire: impaired ? { loss: r.pick([0, 0.01, 0.05]), corrupt: r.pick([0, 0.01, 0.05]), duplicate: r.pick([0, 0.02, 0.1]), reorder: r.pick([0, 0.02, 0.1]) } : null,
    fast: r.chance(0.3),
    mode: !impaired && ndg > 1 && r.chance(0.4) ? "burst" : "serial",
    rounds: impaired ? 1 : r.chance(0.5) ? 2 : 1,
    dgs,
  };
}
