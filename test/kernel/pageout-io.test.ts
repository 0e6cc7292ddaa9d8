// Input-disabled pageout (docs/filesystem.md §4; docs/architecture.md §13): the page cache's clock never evicts or reuses a frame
// under pending I/O. Each test leaves an I/O pending on a small machine (4 MiB of RAM), then reads
// a 16 MiB file through it, so that the clock must evict most of the cache while the I/O waits.
//
// The wire is slow (1 Mbit/s: a 64 KiB datagram takes about half a second of simulated time to
// leave), so an output stays pending while the pressure runs (about 50 ms of disk time). The
// simulated adapter gathers a packet's bytes when it starts sending it, so the tests check the
// frames themselves (m.frame(f), their bytes in RAM), not only what the receiver got.
import { describe, expect, it } from "vitest";
import { connect, diffCounters, Disk, ETHERNET, MemoryStore, mkfs, PAGE_SIZE, Prot, Sem, type Machine, type Process, type World } from "../../tools/host/index";
import { expectBytes, machine, pattern, world } from "./machines";
import { fsMachine, readChunks, writeChunks } from "./fs-helpers";


const N = 16 * PAGE_SIZE; // one 64 KiB datagram
const BIG = 16 << 20; // the file whose reading makes the pressure
const SLOW = { bandwidthBps: 1e6, latencyNs: 10_000, ...ETHERNET };

interface Node {
  m: Machine;
  p: Process;
  nic: ReturnType<Machine["attachNic"]>;
  store: MemoryStore | null;
}

/** node: a machine on w with a NIC (header split, checksum offload, early demux) and, with a
 *  memory size, a disk of 8192 blocks (32 MiB) holding a fresh file system, mounted. */
async function node(w: World, name: string, ip: string, memory?: string): Promise<Node> {
  let store: MemoryStore | null = null;
  let m: Machine;
  if (memory) {
    const image = new Uint8Array(8192 * PAGE_SIZE);
    mkfs(image);
    store = new MemoryStore(image);
    m = await machine({ name, memory, disk: new Disk({ store }) }, w);
    m.mount();
  } else m = await machine({ name, memory: "16M" }, w);
  const nic = m.attachNic({ ip, mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true });
  return { m, p: m.spawn(), nic, store };
}

/** setup: a sends to b over a slow wire; `small` is the one with 4 MiB of RAM and a disk
 *  holding /big (16 MiB) and /file (N bytes of data, written, fsynced). */
async function setup(small: "a" | "b") {
  const w = await world(7);
  const a = await node(w, "a", "10.0.0.1", small === "a" ? "4M" : undefined);
  const b = await node(w, "b", "10.0.0.2", small === "b" ? "4M" : undefined);
  connect(a.nic, b.nic, SLOW);
  const fa = a.p.socket(), fb = b.p.socket();
  a.p.bind(fa, 1000);
  b.p.bind(fb, 2000);
  const s = small === "a" ? a : b;
  const big = pattern(BIG, 5);
  const fd = s.p.open("/big", { write: true, create: true });
  writeChunks(s.p, fd, big);
  s.p.fsync(fd);
  s.p.close(fd);
  const data = pattern(N, 77);
  s.p.writeFile("/file", small === "a" ? data : data.map((x) => ~x & 0xff), { fsync: true });
  return { w, a, b, fa, fb, data, big, s };
}

/** pressure: read /big through a 64 KiB buffer of p (read(), copy); its bytes are checked too.
 *  The evictions the page cache made meanwhile. */
function pressure(s: Node, p: Process, big: Uint8Array): number {
  const before = s.m.fsInfo().evictions;
  const fd = p.open("/big");
  expectBytes(readChunks(p, fd, BIG), big, "/big");
  p.close(fd);
  return s.m.fsInfo().evictions - before;
}

/** framesOf: the frames mapped at the N bytes at va (read from the page table, no fault). */
function framesOf(p: Process, va: number): number[] {
  return Array.from({ length: N / PAGE_SIZE }, (_, i) => p.frameAt(va + i * PAGE_SIZE));
}

const ram = (m: Machine, f: number) => m.ram.slice(f * PAGE_SIZE, (f + 1) * PAGE_SIZE);

describe("input-disabled pageout: no frame under pending I/O is evicted or reused", () => {
  it("a mapped file's pages being sent with emulated copy keep outRef > 0, their object slot and their bytes while the clock evicts everything else", async () => {
    const { a, b, fa, fb, data, big } = await setup("a");
    const sfd = a.p.open("/file");
    const src = a.p.mmap(N, { fd: sfd, prot: Prot.READ, shared: true });
    const vb = b.p.mmap(N);
    const rx = b.p.postRecv(fb, vb, N, { sem: Sem.EMULATED_COPY });
    a.p.sendto(fa, src, N, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    const frames = framesOf(a.p, src);
    expect(frames.every((f) => f > 0)).toBe(true);
    const owner = a.m.frame(frames[0]).owner;
    for (const [i, f] of frames.entries()) {
      expect(a.m.frame(f)).toMatchObject({ kind: "PAGECACHE", owner, index: i, outRef: 1 });
      expectBytes(ram(a.m, f), data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
    }
    // Unmapped: the page cache and the pending output are all that hold them now, so only
    // outRef keeps the clock off (evictable() takes unmapped clean pages with refs == 1).
    a.p.munmap(src, N);
    const evicted = pressure(a, a.p, big);
    expect(evicted).toBeGreaterThan(BIG / PAGE_SIZE - a.m.frames); // most of /big went through and out
    for (const [i, f] of frames.entries()) {
      const info = a.m.frame(f);
      expect(info, `frame ${f} (page ${i})`).toMatchObject({ kind: "PAGECACHE", owner, index: i, outRef: 1 });
      expect(info.flags).not.toContain("ORPHAN");
      expectBytes(ram(a.m, f), data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), `frame ${f}`);
    }
    expect(rx.ready).toBe(false); // the output is still on the wire
    expect(rx.wait().len).toBe(N);
    expectBytes(b.p.load(vb, N), data);
    a.m.world.run();
    for (const f of frames) expect(a.m.frame(f).outRef).toBe(0); // evictable again from now on
  });

  it("a receive pending into a mapped file with emulated copy holds none of the pages it replaces whole: the clock may evict them, none is read back, and the datagram lands byte-exact, on disk too", async () => {
    const { a, b, fa, fb, data, big } = await setup("b");
    const dfd = b.p.open("/file", { read: true, write: true });
    const dst = b.p.mmap(N, { fd: dfd, shared: true });
    const rx = b.p.postRecv(fb, dst, N, { sem: Sem.EMULATED_COPY }); // reads nothing: every page is replaced whole
    expect(framesOf(b.p, dst).every((f) => f === 0)).toBe(true);
    const q = b.m.spawn(); // the receiver is blocked: another process makes the pressure
    const evicted = pressure(b, q, big);
    expect(evicted).toBeGreaterThan(BIG / PAGE_SIZE - b.m.frames);
    const read0 = b.m.disk!.stats.bytesRead;
    expect(rx.ready).toBe(false);
    const va = a.p.mmap(N);
    a.p.store(va, data);
    const cb = b.m.counters();
    a.p.sendto(fa, va, N, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    expect(rx.wait().len).toBe(N);
    expect(b.m.disk!.stats.bytesRead).toBe(read0);
    const d = diffCounters(cb, b.m.counters());
    expect(d.pageSwaps).toBe(N / PAGE_SIZE);
    expect(d.bytesCopied).toBe(0);
    expectBytes(b.p.load(dst, N), data);
    b.p.msync(dst, N);
    expectBytes(q.readFile("/file"), data); // one page cache: read() sees the swapped-in pages
    b.p.munmap(dst, N);
    b.p.close(dfd);
    b.m.unmount();
    expectBytes((await fsMachine({ store: b.store! })).p.readFile("/file"), data);
  });

  it("a receive pending into a mapped file with share semantics: the file's own frames are wired, never evicted, and the data written in place reaches the disk", async () => {
    const { a, b, fa, fb, data, big } = await setup("b");
    const dfd = b.p.open("/file", { read: true, write: true });
    const dst = b.p.mmap(N, { fd: dfd, shared: true });
    const rx = b.p.postRecv(fb, dst, N, { sem: Sem.SHARE });
    const frames = framesOf(b.p, dst);
    for (const f of frames) expect(b.m.frame(f).wired).toBe(1);
    const q = b.m.spawn();
    expect(pressure(b, q, big)).toBeGreaterThan(BIG / PAGE_SIZE - b.m.frames);
    for (const f of frames) expect(b.m.frame(f)).toMatchObject({ kind: "PAGECACHE", wired: 1 });
    const va = a.p.mmap(N);
    a.p.store(va, data);
    a.p.sendto(fa, va, N, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    expect(rx.wait().len).toBe(N);
    expect(framesOf(b.p, dst)).toEqual(frames); // in place: no swap
    for (const f of frames) expect(b.m.frame(f).wired).toBe(0);
    expectBytes(b.p.load(dst, N), data);
    b.p.msync(dst, N);
    b.p.munmap(dst, N);
    b.p.close(dfd);
    b.m.unmount();
    expectBytes((await fsMachine({ store: b.store! })).p.readFile("/file"), data);
  });

  it("write() racing a send from the same file pages: the bytes sent are the file's as of the send call; the replaced frames live on as orphans under pressure", async () => {
    const { a, b, fa, fb, data, big } = await setup("a");
    const sfd = a.p.open("/file", { read: true, write: true });
    const src = a.p.mmap(N, { fd: sfd, prot: Prot.READ, shared: true });
    const vb = b.p.mmap(N);
    const rx = b.p.postRecv(fb, vb, N, { sem: Sem.EMULATED_COPY });
    a.p.sendto(fa, src, N, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    const frames = framesOf(a.p, src);
    // Before the output completes: write() over the whole range, half with copy, half with
    // emulated copy (whole pages swapped into the page cache).
    const now = pattern(N, 78);
    const buf = a.p.mmap(N);
    a.p.store(buf, now);
    a.p.lseek(sfd, 0);
    a.p.write(sfd, buf, N / 2, { sem: Sem.COPY });
    a.p.write(sfd, buf + N / 2, N / 2, { sem: Sem.EMULATED_COPY });
    for (const [i, f] of frames.entries()) {
      const info = a.m.frame(f);
      expect(info.outRef, `frame ${f} (page ${i})`).toBe(1);
      expect(info.flags).toContain("ORPHAN");
    }
    a.p.munmap(src, N);
    expect(pressure(a, a.p, big)).toBeGreaterThan(BIG / PAGE_SIZE - a.m.frames);
    for (const [i, f] of frames.entries()) {
      expect(a.m.frame(f)).toMatchObject({ outRef: 1 });
      expect(a.m.frame(f).flags).toContain("ORPHAN");
      expectBytes(ram(a.m, f), data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE), `orphan ${f}`);
    }
    expect(rx.wait().len).toBe(N);
    expectBytes(b.p.load(vb, N), data); // the file as of the send call
    a.m.world.run();
    for (const f of frames) expect(a.m.frame(f).kind).toBe("FREE"); // freed once the output completed
    expectBytes(a.p.readFile("/file"), now); // and the file holds the writes
  });
});
