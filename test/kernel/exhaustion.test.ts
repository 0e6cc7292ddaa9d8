// Running out: of frames (a 256 KiB machine has 64 frames, 63 usable), of process slots, of file
// descriptors, of disk blocks, of frames for network input and of reassembly memory. (Socket
// queues and the reassembly table: test/kernel/netdrop.test.ts.)
// Every failure is clean: the caller gets ENOMEM, or the faulting process is killed with OOM,
// and nothing is left half-allocated (the invariant check runs after each test).

import { describe, expect, it } from "vitest";
import { ConfigError, Kill, MAX_PROCS, PAGE_SIZE, ProcState, SegmentationFault, SyscallError, diffCounters, type Machine, type Process } from "../../tools/host/index";
import { machine, pattern } from "./machines";
import { fragments } from "./frames";
import { pair, Sem } from "./netpair";
import { fsMachine } from "./fs-helpers";


const AREA = 0x400000; // bytes covered by one page table
const A = 0x40000000, B = A + AREA, FILL = A + 2 * AREA;

/** small: a 64-frame machine. */
const small = () => machine({ memory: "256K" });

/** touchUntil: store into fresh pages of [at, ...) until only `left` frames are free. */
function touchUntil(m: Machine, p: Process, at: number, left: number): number {
  let n = 0;
  while (m.freeFrames > left) p.store(at + n++ * PAGE_SIZE, [0xf0 | (n & 15)]);
  return n;
}

function errorOf(f: () => unknown): unknown {
  try { f(); } catch (e) { return e; }
  return undefined;
}

describe("out of frames", () => {
  it("a 256K machine has 64 frames: frame 0 is reserved, 63 are free", async () => {
    const m = await small();
    expect(m.frames).toBe(64);
    expect(m.freeFrames).toBe(63);
  });

  it("touching pages until no frame is left kills the process with OOM; then every frame is free again", async () => {
    const m = await small();
    const hog = m.spawn();
    const va = hog.mmap(100 * PAGE_SIZE, { at: A });
    let touched = 0;
    const err = errorOf(() => { for (; touched < 100; touched++) hog.store(va + touched * PAGE_SIZE, [1]); });
    expect(err).toBeInstanceOf(SegmentationFault);
    expect((err as SegmentationFault).reason).toBe(Kill.OOM);
    expect((err as SegmentationFault).va).toBe(va + touched * PAGE_SIZE);
    expect(touched).toBe(63 - 2); // its page directory and one page table took two frames
    expect(hog.state).toBe(ProcState.ZOMBIE);
    expect(hog.killReason).toBe(Kill.OOM);
    expect(m.counters().faultsFatal).toBe(1);
    expect(m.freeFrames).toBe(63);
    expect(m.frameSummary()).toEqual({ KERNEL: 1, FREE: 63 });
  });

  it("another process survives a hog's OOM with its bytes intact", async () => {
    const m = await small();
    const keeper = m.spawn();
    const kv = keeper.mmap(2 * PAGE_SIZE);
    keeper.store(kv, [1, 2, 3]);
    keeper.store(kv + PAGE_SIZE, [4, 5, 6]);
    const hog = m.spawn();
    const hv = hog.mmap(100 * PAGE_SIZE);
    expect(() => { for (let i = 0; i < 100; i++) hog.store(hv + i * PAGE_SIZE, [1]); }).toThrow(/OOM/);
    expect(Array.from(keeper.load(kv, 3))).toEqual([1, 2, 3]);
    expect(Array.from(keeper.load(kv + PAGE_SIZE, 3))).toEqual([4, 5, 6]);
    keeper.exit(0);
    expect(m.freeFrames).toBe(63);
  });

  it("fork with no frame for the child's directory fails with ENOMEM and changes nothing", async () => {
    const m = await small();
    const p = m.spawn();
    p.mmap(100 * PAGE_SIZE, { at: FILL });
    touchUntil(m, p, FILL, 0);
    const c0 = m.counters();
    const err = errorOf(() => p.fork());
    expect(err).toBeInstanceOf(SyscallError);
    expect((err as SyscallError).code).toBe("ENOMEM");
    const d = diffCounters(c0, m.counters());
    expect(d.procsCreated).toBe(0);
    expect(d.framesAllocated).toBe(0);
    expect(m.freeFrames).toBe(0);
  });

  it("fork that runs out halfway through the child's page tables fails with ENOMEM and leaves nothing allocated", async () => {
    const m = await small();
    const p = m.spawn();
    const a = p.mmap(PAGE_SIZE, { at: A });
    const b = p.mmap(PAGE_SIZE, { at: B });
    p.store(a, [0xaa]);
    p.store(b, [0xbb]);
    p.mmap(100 * PAGE_SIZE, { at: FILL });
    touchUntil(m, p, FILL, 2); // room for the child's directory and one page table, not two
    const fa = p.frameAt(a), fb = p.frameAt(b);
    const c0 = m.counters();
    const err = errorOf(() => p.fork());
    expect((err as SyscallError).code).toBe("ENOMEM");
    const d = diffCounters(c0, m.counters());
    expect(d.framesAllocated).toBe(2); // directory + the table for A ...
    expect(d.framesFreed).toBe(2); // ... both given back
    expect(d.procsCreated).toBe(0);
    expect(m.freeFrames).toBe(2);
    expect(m.frame(fa)).toMatchObject({ refs: 1, maps: 1 }); // the child's mapping of A was undone
    expect(m.frame(fb)).toMatchObject({ refs: 1, maps: 1 });
    // The parent writes on with no copy: the failed fork left it the only holder of its frames.
    const c1 = m.counters();
    p.store(a, [0xa1]);
    p.store(b, [0xb1]);
    const d1 = diffCounters(c1, m.counters());
    expect(d1.faultsCow).toBe(0);
    expect(d1.bytesCopied).toBe(0);
    expect([p.frameAt(a), p.frameAt(b)]).toEqual([fa, fb]);
    expect([p.load(a, 1)[0], p.load(b, 1)[0]]).toEqual([0xa1, 0xb1]);
  });

  it("a copy-on-write fault with no frame left kills the writer with OOM; the other side keeps the frame", async () => {
    const m = await small();
    const p = m.spawn();
    const a = p.mmap(PAGE_SIZE, { at: A });
    p.store(a, [7]);
    p.mmap(100 * PAGE_SIZE, { at: FILL });
    touchUntil(m, p, FILL, 3); // child directory + two page tables
    const c = p.fork();
    expect(m.freeFrames).toBe(0);
    const f = p.frameAt(a);
    expect(m.frame(f).refs).toBe(2);
    const err = errorOf(() => c.store(a, [8]));
    expect((err as SegmentationFault).reason).toBe(Kill.OOM);
    expect(c.killReason).toBe(Kill.OOM);
    expect(m.freeFrames).toBe(3);
    expect(m.frame(f).refs).toBe(1);
    expect(p.load(a, 1)[0]).toBe(7);
    expect(p.wait(c)).toEqual({ status: -1, reason: Kill.OOM });
  });

  it("after the hog exits every frame is free again", async () => {
    const m = await small();
    const p = m.spawn();
    p.mmap(100 * PAGE_SIZE, { at: FILL });
    touchUntil(m, p, FILL, 0);
    expect(() => p.fork()).toThrow(/ENOMEM/);
    p.exit(0);
    expect(m.freeFrames).toBe(63);
    expect(m.frameSummary()).toEqual({ KERNEL: 1, FREE: 63 });
  });
});

describe("out of process slots", () => {
  it(`spawn fails cleanly once ${MAX_PROCS} processes exist, and works again after one is reaped`, async () => {
    const m = await machine();
    const ps = Array.from({ length: MAX_PROCS }, () => m.spawn());
    expect(new Set(ps.map((p) => p.pid)).size).toBe(MAX_PROCS);
    const free = m.freeFrames;
    const c0 = m.counters();
    expect(() => m.spawn()).toThrow(ConfigError);
    expect(() => m.spawn()).toThrow(/EAGAIN/);
    const forked = errorOf(() => ps[0].fork());
    expect(forked).toBeInstanceOf(SyscallError);
    expect(m.freeFrames).toBe(free);
    expect(diffCounters(c0, m.counters()).procsCreated).toBe(0);

    // A zombie gives its frames back at once, its slot only when reaped.
    ps[10].exit(0);
    expect(m.freeFrames).toBe(free + 1);
    expect(() => m.spawn()).toThrow(/EAGAIN/);
    expect(ps[10].reap()).toBe(0);
    const q = m.spawn();
    expect(q.pid).toBe(ps[10].pid);
    const va = q.mmap(PAGE_SIZE);
    q.store(va, [1]);
    expect(q.load(va, 1)[0]).toBe(1);
  });
});

describe("out of descriptors", () => {
  it("the 33rd open descriptor (sockets, channels, files alike) is EMFILE; closing one makes room again", async () => {
    const { p } = await fsMachine({ blocks: 1024 });
    p.writeFile("/f", new Uint8Array(10));
    const fds: number[] = [];
    for (let i = 0; fds.length < 32; i++) {
      if (i % 3 === 2 && fds.length <= 30) fds.push(...p.channel());
      else fds.push(i % 3 === 0 ? p.socket() : p.open("/f"));
    }
    const code = (f: () => unknown) => (errorOf(f) as SyscallError | undefined)?.code;
    expect(code(() => p.socket())).toBe("EMFILE");
    expect(code(() => p.open("/f"))).toBe("EMFILE");
    expect(code(() => p.channel())).toBe("EMFILE");
    p.close(fds[5]);
    const again = p.open("/f");
    expect(again).toBe(fds[5]);
    expect(p.fstat(again).size).toBe(10);
  });
});

describe("file system full", () => {
  it("writing past the last free block is ENOSPC, what fits is kept, and unlinking frees room for the next file", async () => {
    const { m, p } = await fsMachine({ blocks: 160 });
    p.writeFile("/keep", pattern(100, 9), { fsync: true });
    const chunk = pattern(64 * PAGE_SIZE, 3);
    const fd = p.open("/big", { write: true, create: true });
    const va = p.mmap(chunk.length);
    p.store(va, chunk);
    let written = 0;
    let err: unknown;
    for (let i = 0; i < 10 && !err; i++) {
      try { written += p.write(fd, va, chunk.length); } catch (e) { err = e; }
    }
    expect((err as SyscallError).code).toBe("ENOSPC");
    expect(written).toBeGreaterThan(0);
    p.fsync(fd);
    p.close(fd);
    const size = p.stat("/big").size; // the calls that returned, and part of the one that failed
    expect(size).toBeGreaterThanOrEqual(written);
    expect(size).toBeLessThan(written + chunk.length);
    const small = errorOf(() => p.writeFile("/more", pattern(8 * PAGE_SIZE, 4), { fsync: true }));
    expect((small as SyscallError).code).toBe("ENOSPC");
    p.unlink("/big");
    const k = p.open("/keep");
    p.fsync(k); // the unlink commits: its blocks are free for reuse from then on
    p.close(k);
    p.writeFile("/more", pattern(8 * PAGE_SIZE, 4), { fsync: true });
    expect(p.readFile("/more")).toEqual(pattern(8 * PAGE_SIZE, 4));
    expect(m.fsInfo().failed).toBe(0);
  });
});

describe("out of frames for a datagram to itself", () => {
  it("a loopback send with no frame to copy into is ENOBUFS, delivers nothing, and works once frames are free", async () => {
    const m = await machine({ memory: "512K" });
    const p = m.spawn(), hog = m.spawn();
    const s = p.socket(), t = p.socket();
    p.bind(t, 7);
    const va = p.mmap(8 * PAGE_SIZE);
    p.store(va, pattern(8 * PAGE_SIZE, 5));
    touchUntil(m, hog, hog.mmap(128 * PAGE_SIZE), 6); // fewer free frames than the 8 the copy needs
    const e = errorOf(() => p.sendto(s, va, 8 * PAGE_SIZE, { ip: "127.0.0.1", port: 7, sem: 2 /* emulated copy: no kernel buffer */ }));
    expect((e as SyscallError).code).toBe("ENOBUFS");
    expect(p.recvfrom(t, va, 10, { dontwait: true })).toBeNull();
    hog.exit(0);
    hog.reap();
    const dst = p.mmap(8 * PAGE_SIZE);
    p.sendto(s, va, 8 * PAGE_SIZE, { ip: "127.0.0.1", port: 7, sem: 2 });
    expect(p.recvfrom(t, dst, 8 * PAGE_SIZE)!.len).toBe(8 * PAGE_SIZE);
    expect(p.load(dst, 8 * PAGE_SIZE)).toEqual(pattern(8 * PAGE_SIZE, 5));
  });
});

describe("out of frames for network input", () => {
  // Reassembly holds the frames of incomplete datagrams; a hog holds every other free frame, so
  // the driver cannot post a new buffer for each one the adapter fills.
  it("a receive ring that runs dry misses frames, counted as NoBuffer; once frames are free it is posted again and datagrams arrive", async () => {
    const p = await pair({ memory: "2M" });
    const { b } = p;
    const hog = b.spawn();
    touchUntil(b, hog, hog.mmap(600 * PAGE_SIZE), 0);
    // 4 datagrams of 64,000 bytes, all but their last fragment: 172 frames, more than the ring's
    // 127 buffers.
    const frames = [0, 1, 2, 3].flatMap((i) => fragments(pattern(64_000, 40 + i), 1480, { id: 0x6000 + i }).slice(0, -1));
    const rx0 = b.nics[0].stats.rxPackets;
    for (const f of frames) b.nics[0].receiveFrame(f, b.world.now);
    b.world.run(b.world.now + 1e6);
    const missed = b.nics[0].stats.rxNoBuffer;
    expect(missed, "the ring ran dry").toBeGreaterThan(0);
    expect(b.drops()).toEqual({ NoBuffer: missed });
    const fates = b.frameFates();
    expect(fates.dropped).toEqual({ NoBuffer: missed });
    expect(frames.length - missed, "the others are held by reassembly").toBe(b.nics[0].stats.rxPackets - rx0 - missed);
    // The hog exits; reassembly's timer frees the rest and the ring is posted again.
    hog.exit(0);
    hog.reap();
    b.world.run();
    expect(b.drops(), "three datagrams had fragments held").toEqual({ NoBuffer: missed, ReasmTimeout: 3 });
    expect(b.nics[0].rings().find((q) => q.name === "rx0")!.posted.length).toBe(127);
    const data = pattern(3000, 44);
    const va = p.pa.mmap(PAGE_SIZE), vb = p.pb.mmap(PAGE_SIZE);
    p.pa.store(va, data);
    const rx = p.pb.postRecv(p.fb, vb, PAGE_SIZE, { sem: Sem.COPY });
    p.pa.sendto(p.fa, va, data.length, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
    expect(rx.wait().len).toBe(data.length);
    expect(p.pb.load(vb, data.length)).toEqual(data);
    expect(b.nics[0].stats.rxNoBuffer, "nothing more missed").toBe(missed);
  });

  it(`reassembly refuses fragments beyond its memory (ReasmMemory), drops their datagram, and takes new ones once the timeout frees it`, async () => {
    const p = await pair({ memory: "8M" });
    const { b } = p;
    // Incomplete datagrams of 64,000 bytes (43 fragments held each, a frame apiece): the 12th
    // passes the 2 MiB reassembly may pin on this machine (a quarter of RAM, at least 2 MiB).
    const incomplete = (i: number) => fragments(pattern(64_000, 50 + i), 1480, { id: 0x6100 + i }).slice(0, -1);
    for (let i = 0; i < 14; i++) {
      for (const f of incomplete(i)) b.nics[0].receiveFrame(f, b.world.now);
      b.world.run(b.world.now + 1e6); // (43 frames at once: the ring holds 127)
    }
    const d = b.drops();
    expect(d.ReasmMemory ?? 0, JSON.stringify(d)).toBeGreaterThan(0);
    expect(Object.keys(d)).toEqual(["ReasmMemory"]);
    // A whole datagram still arrives: it needs no reassembly.
    const va = p.pa.mmap(16 * PAGE_SIZE), vb = p.pb.mmap(16 * PAGE_SIZE);
    const small = pattern(1000, 59);
    p.pa.store(va, small);
    let rx = p.pb.postRecv(p.fb, vb, 16 * PAGE_SIZE, { sem: Sem.COPY });
    p.pa.sendto(p.fa, va, small.length, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
    expect(rx.wait().len).toBe(small.length);
    // After the timeout every held frame is free and a fragmented datagram completes.
    b.world.run();
    expect(b.timer.armed).toBe(false);
    const big = pattern(60_000, 60);
    p.pa.store(va, big);
    rx = p.pb.postRecv(p.fb, vb, 16 * PAGE_SIZE, { sem: Sem.COPY });
    p.pa.sendto(p.fa, va, big.length, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
    expect(rx.wait().len).toBe(big.length);
    expect(p.pb.load(vb, big.length)).toEqual(big);
    const fates = b.frameFates();
    expect(fates.dropped.ReasmMemory! + (fates.dropped.ReasmTimeout ?? 0), "every held fragment dropped, one fate each").toBe(14 * 43);
  });
});
