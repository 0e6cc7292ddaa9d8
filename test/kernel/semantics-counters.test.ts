// test/kernel/semantics-counters.test.ts — what each implemented semantics costs, counted
// exactly: payload bytes through the CPU, page swaps, wires, TLB shootdowns (docs/data-passing.md §4; docs/architecture.md §13).
//
// One datagram from machine a to machine b (MTU 9000, header split, early demultiplexing and
// checksum offload unless a test says otherwise), the receive posted first, the receiver's
// pages filled beforehand. Counters are the difference over the whole transfer, on each side.

import { describe, expect, it } from "vitest";
import { connect, diffCounters, ETHERNET, PAGE_SIZE, Sem, semanticsOf, type Counters, type Profile } from "../../tools/host/index";
import { expectBytes, machine, pattern, world } from "./machines";
import { pair, type PairOptions } from "./netpair";


const FAST: PairOptions = { mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true };

/** transfer: one datagram of len bytes, sender offset os, receiver offset or, under sem (both ends). */
async function transfer(sem: Sem, len: number, os = 0, or = 0, o: PairOptions = FAST) {
  const p = await pair(o);
  const data = pattern(len, len + os + or);
  const va = p.pa.mmap(len + 2 * PAGE_SIZE) + os;
  const rb = p.pb.mmap(len + 3 * PAGE_SIZE), vb = rb + PAGE_SIZE + or;
  p.pa.store(va, data);
  p.pb.fill(rb, len + 3 * PAGE_SIZE, 0x5a); // every receive page exists and holds other bytes
  const ca = p.a.counters(), cb = p.b.counters();
  const rx = p.pb.postRecv(p.fb, vb, len, { sem });
  p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem });
  const got = rx.wait();
  p.a.world.run();
  expect(got.len).toBe(len);
  expectBytes(p.pb.load(vb, len), data);
  return { p, va, vb, da: diffCounters(ca, p.a.counters()), db: diffCounters(cb, p.b.counters()) };
}

/** The kernel's thresholds, from the cost profile, computed as the kernel computes them. */
function ns(profile: Profile, c: keyof Counters): number {
  return profile.costs[c].ns;
}
/** kernel/io/tcow.ts tcowCopyBelow(): output pages holding fewer bytes are copied, not protected. */
function tcowCopyBelow(profile: Profile): number {
  const per = ns(profile, "bytesCopied");
  return per <= 0 ? 0 : Math.min(PAGE_SIZE, (ns(profile, "pteWrites") + ns(profile, "tlbInvalLocal")) / per) >>> 0;
}
/** kernel/io/swapin.ts reverseAbove(): partial input pages with more bytes are reverse-copied. */
function reverseAbove(profile: Profile): number {
  const c = ns(profile, "bytesCopied");
  if (c <= 0) return PAGE_SIZE;
  const swap = ns(profile, "pageSwaps") + 2 * ns(profile, "pteWrites") + ns(profile, "tlbInvalLocal");
  return Math.min(PAGE_SIZE, (PAGE_SIZE * c + swap) / (2 * c)) >>> 0;
}

/** bytesPerPage: how many bytes of [va, va+len) fall on each page it touches. */
function bytesPerPage(va: number, len: number): number[] {
  const out: number[] = [];
  for (let page = va - (va % PAGE_SIZE); page < va + len; page += PAGE_SIZE)
    out.push(Math.min(va + len, page + PAGE_SIZE) - Math.max(va, page));
  return out;
}

/** The sender's copies under TCOW output: the bytes of the pages below the threshold. */
function expectedSendCopies(os: number, len: number, small: number): number {
  return bytesPerPage(os, len).reduce((s, n) => s + (n < small ? n : 0), 0);
}

/** The receiver's copies and swaps under input alignment: full pages swapped; a partial page
 *  of n bytes copied (n <= reverseAbove) or reverse-copied (its 4096 - n other bytes) and swapped. */
function expectedReceive(or: number, len: number, reverse: number): { copied: number; swaps: number } {
  let copied = 0, swaps = 0;
  for (const n of bytesPerPage(or, len)) {
    if (n === PAGE_SIZE) swaps++;
    else if (n <= reverse) copied += n;
    else { copied += PAGE_SIZE - n; swaps++; }
  }
  return { copied, swaps };
}

describe("payload bytes through the CPU", () => {
  it("emulated copy of a page-aligned 64 KiB datagram copies no payload byte on either side; the receiver swaps in 16 pages", async () => {
    const { p, da, db } = await transfer(Sem.EMULATED_COPY, 65536);
    expect(da.bytesCopied).toBe(0);
    expect(db.bytesCopied).toBe(0);
    expect(db.pageSwaps).toBe(16);
    expect(da.pageSwaps).toBe(0);
    // TCOW took output references and released them all at completion.
    expect(p.a.frameMap().reduce((s, f) => s + f.outRef, 0)).toBe(0);
    expect(da.faultsTcow).toBe(0);
  });

  for (const [len, os, or] of [[65536, 0, 0], [4097, 100, 2049], [60 * 1024, 4095, 1]])
    it(`copy of ${len} B (offsets ${os} -> ${or}) moves every payload byte through the CPU exactly twice: once per side`, async () => {
      const { da, db } = await transfer(Sem.COPY, len, os, or);
      expect(da.bytesCopied).toBe(len);
      expect(db.bytesCopied).toBe(len);
      expect(da.pageSwaps + db.pageSwaps).toBe(0);
    });

  it("with the default profile the thresholds are 550 B (TCOW copies smaller output pieces) and 2848 B (reverse copyout above)", async () => {
    const m = await machine();
    expect(tcowCopyBelow(m.profile)).toBe(550);
    expect(reverseAbove(m.profile)).toBe(2848);
  });

  // Offsets and lengths chosen so that first and last pages are partial, on both sides of
  // each threshold: few bytes copied, many bytes reverse-copied (their complement copied).
  const partial: [number, number, number][] = [
    [65536, 100, 100], // receive: 3996 B reverse (100 copied), 100 B copied; send: 100 B copied
    [3 * 4096 + 17, 4095, 1], // receive: 4095 B reverse (1), 18 B copied; send: 1 B + 16 B copied
    [8192, 2049, 2047], // receive: 2049 B and 2047 B copied; send: both pieces protected
    [4097, 0, 3000], // receive: 1096 B copied, 3001 B reverse (1095); send: 1 B copied
    [60 * 1024, 1, 4095], // receive: 1 B copied, 4095 B reverse (1); send: 4095 B protected, 1 B copied
  ];
  for (const sem of [Sem.EMULATED_COPY, Sem.EMULATED_SHARE])
    for (const [len, os, or] of partial)
      it(`${semanticsOf(sem).name}, ${len} B at offsets ${os} -> ${or}: the CPU copies exactly the partial-page bytes, or the reverse-copy complement, as reverseAbove() and tcowCopyBelow() decide`, async () => {
        const { p, da, db } = await transfer(sem, len, os, or);
        const want = expectedReceive(or, len, reverseAbove(p.b.profile));
        expect(db.bytesCopied).toBe(want.copied);
        expect(db.pageSwaps).toBe(want.swaps);
        expect(db.bytesZeroed).toBe(0); // every receive page existed: reverse copyout copied, never zeroed
        expect(da.bytesCopied).toBe(expectedSendCopies(os, len, tcowCopyBelow(p.a.profile)));
      });

  it("reverse copyout into a receive page never touched before fills its other bytes with zeroes, not copies", async () => {
    const p = await pair(FAST);
    // Receive pages: [1096, 4096) holds 3000 B (reverse: 1096 other bytes), [4096, 8192) is full.
    const len = 3000 + 4096, or = 1096;
    const va = p.pa.mmap(2 * PAGE_SIZE);
    const rb = p.pb.mmap(3 * PAGE_SIZE);
    const vb = rb + or; // never touched: no frame behind it yet
    p.pb.store(rb + 2 * PAGE_SIZE, [1]); // a page beside it is, so its page table exists
    const data = pattern(len, 3);
    p.pa.store(va, data);
    const cb = p.b.counters();
    const rx = p.pb.postRecv(p.fb, vb, len, { sem: Sem.EMULATED_COPY });
    p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    rx.wait();
    p.a.world.run();
    const db = diffCounters(cb, p.b.counters());
    expect(db.bytesZeroed).toBe(or);
    expect(db.bytesCopied).toBe(0);
    expect(db.pageSwaps).toBe(2);
    expectBytes(p.pb.load(vb - or, or), new Uint8Array(or), "zeroes before the buffer");
    expectBytes(p.pb.load(vb, len), data);
  });

  for (const sem of [Sem.EMULATED_SHARE, Sem.SHARE])
    it(`${semanticsOf(sem).name} of a page-aligned 64 KiB datagram copies no payload byte on either side`, async () => {
      const { da, db } = await transfer(sem, 65536);
      expect(da.bytesCopied).toBe(0);
      expect(db.bytesCopied).toBe(0);
      // Emulated share swaps system frames in; share lets the device write the pages in place.
      expect(db.pageSwaps).toBe(sem === Sem.SHARE ? 0 : 16);
    });

  it("share wires the pages it uses on both sides and unwires the same number at completion", async () => {
    for (const [os, or] of [[0, 0], [100, 2049]]) {
      const { p, da, db } = await transfer(Sem.SHARE, 65536, os, or);
      const pages = (o: number) => Math.ceil((o + 65536) / PAGE_SIZE);
      expect(da.wires).toBe(pages(os));
      expect(da.unwires).toBe(da.wires);
      expect(db.wires).toBe(pages(or));
      expect(db.unwires).toBe(db.wires);
      // The device wrote the receive pages in place, partial ones included: nothing copied.
      expect(db.bytesCopied).toBe(0);
      expect(da.bytesCopied).toBe(0);
      for (const m of [p.a, p.b]) expect(m.frameMap().filter((f) => f.wired > 0)).toEqual([]);
    }
  });

  it("emulated share takes output references, not wires, and protects nothing", async () => {
    const { p, va, da } = await transfer(Sem.EMULATED_SHARE, 65536);
    expect(da.wires + da.unwires).toBe(0);
    expect(da.faultsTcow).toBe(0);
    expect(p.a.frameMap().reduce((s, f) => s + f.outRef, 0)).toBe(0);
    // No page was write-protected: the sender writes its buffer again without a fault.
    const c = p.a.counters();
    p.pa.fill(va, 65536, 1);
    expect(diffCounters(c, p.a.counters()).faults).toBe(0);
  });
});

/** A sender with cpus CPUs, a receiver, a MAP_SHARED buffer the sender shares with a child. */
async function sharedSender(cpus: number, childCpu: number) {
  const w = await world();
  const a = await machine({ name: "a", cpus }, w);
  const b = await machine({ name: "b" }, w);
  const nic = (ip: string) => ({ ip, mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true });
  connect(a.attachNic(nic("10.0.0.1")), b.attachNic(nic("10.0.0.2")), { bandwidthBps: 1e9, latencyNs: 10_000, ...ETHERNET });
  const pa = a.spawn({ cpu: 0 }), pb = b.spawn();
  const fa = pa.socket(), fb = pb.socket();
  pa.bind(fa, 1000);
  pb.bind(fb, 2000);
  const len = 16 * PAGE_SIZE;
  const va = pa.mmap(len, { shared: true });
  const data = pattern(len, 77);
  pa.store(va, data);
  const child = pa.fork();
  if (childCpu !== 0) child.setCpu(childCpu);
  child.load(va, len); // the child maps every page, and its CPU's TLB may cache them
  return { a, b, pa, pb, fa, fb, child, va, len, data };
}

async function tcowSend(s: Awaited<ReturnType<typeof sharedSender>>): Promise<Counters> {
  const vb = s.pb.mmap(s.len);
  const rx = s.pb.postRecv(s.fb, vb, s.len, { sem: Sem.EMULATED_COPY });
  const c = s.a.counters();
  s.pa.sendto(s.fa, s.va, s.len, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
  const d = diffCounters(c, s.a.counters());
  rx.wait();
  s.a.world.run();
  expectBytes(s.pb.load(vb, s.len), s.data);
  return d;
}

describe("TCOW write protection and TLB shootdowns", () => {
  it("on a 2-CPU machine, write-protecting a buffer that a process on the other CPU also maps costs one shootdown per page", async () => {
    const s = await sharedSender(2, 1);
    const d = await tcowSend(s);
    // Two mappings per page (sender, child): the sender's on CPU 0 is invalidated locally; the
    // child has run on CPU 0 (fork, setcpu) and CPU 1, so its PTE costs a local invalidation and
    // a shootdown to CPU 1.
    expect(d.tlbShootdowns).toBe(16);
    expect(d.tlbInvalLocal).toBe(32);
    expect(d.pteWrites).toBe(32);
    expect(d.bytesCopied).toBe(0);
  });

  it("on a 1-CPU machine the same protection costs no shootdown, only local invalidations", async () => {
    const s = await sharedSender(1, 0);
    const d = await tcowSend(s);
    expect(d.tlbShootdowns).toBe(0);
    expect(d.tlbInvalLocal).toBe(32);
    expect(d.bytesCopied).toBe(0);
  });

  it("a buffer mapped only by the sender costs no shootdown on a 2-CPU machine", async () => {
    const s = await sharedSender(2, 1);
    s.child.exit(0);
    const d = await tcowSend(s);
    expect(d.tlbShootdowns).toBe(0);
    expect(d.tlbInvalLocal).toBe(16);
  });
});

