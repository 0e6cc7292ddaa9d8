// IO-Lite (docs/peers.md §3): immutable buffers in pool windows, aggregates passed by value,
// iol_read / iol_write on sockets, pipes and files, the file cache's frames as buffers, checksum
// caching. Every machine is checked after the test (test/setup/invariants.ts).
import { describe, expect, it } from "vitest";
import {
  aggLength, connect, diffCounters, Disk, Errno, ETHERNET, IOL_WINDOW_BASE, ioLite, Kill, MemoryStore, mkfs, PAGE_SIZE,
  SegmentationFault, type Aggregate,
} from "../../tools/host/index";
import { CLASS_COLORS } from "../../tools/playground/views";
import { FrameClass, FRAME_CLASS_NAMES, frameClasses } from "../../tools/playground/engine";
import { expectBytes, machine, pattern, world } from "./machines";
import { pair } from "./netpair";

/** A machine with a file system holding /f = data, and a second machine on a wire. */
async function fileMachine(data: Uint8Array, checksumOffload = false) {
  const w = await world(7);
  const image = new Uint8Array(1024 * 4096);
  mkfs(image);
  const a = await machine({ name: "a", memory: "16M", disk: new Disk({ store: new MemoryStore(image) }) }, w);
  const b = await machine({ name: "b", memory: "16M" }, w);
  a.mount();
  const nic = (ip: string) => ({ ip, mtu: 9000, headerSplit: true, checksumOffload, earlyDemux: true });
  connect(a.attachNic(nic("10.0.0.1")), b.attachNic(nic("10.0.0.2")), { bandwidthBps: 1e9, latencyNs: 10_000, ...ETHERNET });
  const pa = a.spawn(), pb = b.spawn();
  const fa = pa.socket(), fb = pb.socket();
  pa.bind(fa, 1000);
  pb.bind(fb, 2000);
  pa.connect(fa, "10.0.0.2", 2000);
  pa.writeFile("/f", data, { fsync: true });
  return { w, a, b, pa, pb, fa, fb };
}

const errno = (e: Errno) => expect.objectContaining({ errno: e });
const N = 5 * PAGE_SIZE + 123;

describe("IO-Lite", () => {
  it("a producer's buffer crosses machines byte-exact; the receiver gets a read-only slice of its pool's window", async () => {
    const { a, b, pa, pb, fa, fb } = await pair({ mtu: 9000, headerSplit: true, earlyDemux: true });
    const ia = ioLite(pa), ib = ioLite(pb);
    const data = pattern(N, 11);
    const va = ia.alloc(ia.pool(), N);
    pa.store(va, data); // filled in place: the buffer is lent writable to its producer
    const c = a.counters();
    expect(ia.write(fa, [{ va, len: N }], { ip: "10.0.0.2", port: 2000 })).toBe(N);
    expect(diffCounters(c, a.counters()).bytesCopied).toBe(8); // the aggregate's one slice, by value
    const pool = ib.pool();
    a.world.run(); // the datagram is in before the read: the adapter had no pool buffer to fill
    const cb = b.counters();
    const got = ib.readFrom(fb, { pool })!;
    expect(diffCounters(cb, b.counters()).bytesCopied).toBe(N + 8); // copied once into the pool's buffer
    expect(got.len).toBe(N);
    expect(got.agg).toHaveLength(1);
    expect(got.agg[0].va).toBeGreaterThanOrEqual(IOL_WINDOW_BASE);
    expectBytes(ib.bytes(got.agg), data);
    const f = b.explain(pb.pid, got.agg[0].va).frame;
    expect(b.frame(f).kind).toBe("IOLITE");
    expect(frameClasses(b)[f]).toBe(FrameClass.IOLITE); // the playground colours it as its own kind
    expect(FRAME_CLASS_NAMES[FrameClass.IOLITE]).toMatch(/IO-Lite/);
    expect(CLASS_COLORS[FrameClass.IOLITE]).toHaveLength(3);
    // A store into the window kills the process, as any store to a read-only page does.
    expect(() => pb.store(got.agg[0].va + 5, [1])).toThrow(SegmentationFault);
    expect(pb.alive).toBe(false);
    expect(pb.killReason).toBe(Kill.SEGV_PROT);
    a.world.run();
  });

  it("a buffer is immutable once passed: its producer's later store kills it (SEGV_PROT), the bytes sent stay", async () => {
    const { a, pa, pb, fa, fb } = await pair({ mtu: 9000, headerSplit: true, earlyDemux: true });
    const ia = ioLite(pa), ib = ioLite(pb);
    const va = ia.alloc(ia.pool(), PAGE_SIZE);
    pa.store(va, pattern(PAGE_SIZE, 2));
    ia.write(fa, [{ va, len: PAGE_SIZE }], { ip: "10.0.0.2", port: 2000 });
    expect(() => pa.store(va, [9])).toThrow(SegmentationFault);
    expect(pa.killReason).toBe(Kill.SEGV_PROT);
    const got = ib.readFrom(fb, { pool: ib.pool() })!;
    expectBytes(ib.bytes(got.agg), pattern(PAGE_SIZE, 2));
    a.world.run();
  });

  it("iol_read of a file is a snapshot: write(), a MAP_SHARED store and a new buffer never change what was read", async () => {
    const data = pattern(N, 3);
    const { a, pa } = await fileMachine(data);
    const io = ioLite(pa);
    const fd = pa.open("/f", { read: true, write: true });
    const agg = io.read(fd, { len: N });
    expect(aggLength(agg)).toBe(N);
    expect(agg).toHaveLength(6); // one slice per file-cache page
    expectBytes(io.bytes(agg), data);
    const map = pa.mmap(N, { fd, shared: true });
    pa.store(map + 7, [0xee]);
    const buf = pa.mmap(PAGE_SIZE);
    pa.fill(buf, PAGE_SIZE, 0x55);
    pa.lseek(fd, PAGE_SIZE);
    pa.write(fd, buf, PAGE_SIZE);
    expectBytes(io.bytes(agg), data, "the aggregate after the writes");
    const now = pa.readFile("/f");
    expect(now[7]).toBe(0xee);
    expect(now[PAGE_SIZE]).toBe(0x55);
    const old = [0, 1].map((i) => a.explain(pa.pid, agg[i].va).frame);
    io.free(agg);
    // Read again: the new bytes, in new buffers; the old pages, held by nobody, leave the window.
    pa.lseek(fd, 0);
    const again = io.read(fd, { len: N });
    expectBytes(io.bytes(again), now);
    for (const f of old) expect(a.frame(f).kind).toBe("FREE");
  });

  it("the file cache holds one copy: two readers and a mapping see the same frames at the same window addresses", async () => {
    const data = pattern(3 * PAGE_SIZE, 5);
    const { a, pa } = await fileMachine(data);
    const q = a.spawn();
    const r1 = ioLite(pa).read(pa.open("/f"), { len: data.length });
    const r2 = ioLite(q).read(q.open("/f"), { len: data.length });
    expect(r2).toEqual(r1);
    const map = q.mmap(data.length, { fd: q.open("/f") });
    for (let i = 0; i < 3; i++) {
      const f = a.explain(pa.pid, r1[i].va).frame;
      expect(a.explain(q.pid, r2[i].va).frame).toBe(f);
      q.load(map + i * PAGE_SIZE, 1);
      expect(a.explain(q.pid, map + i * PAGE_SIZE).frame).toBe(f); // the page cache's own frame
      expect(a.frame(f).kind).toBe("PAGECACHE");
      expect(a.frame(f).flags).toContain("IMMUTABLE");
    }
  });

  it("reusing a pool costs no PTE write and no TLB invalidation: only growing it maps pages", async () => {
    const { a, b, pa, pb, fa, fb } = await pair({ mtu: 9000, headerSplit: true, earlyDemux: true });
    const ib = ioLite(pb), ia = ioLite(pa);
    const pool = ib.pool();
    const src = ia.alloc(ia.pool(), 4 * PAGE_SIZE);
    pa.store(src, pattern(4 * PAGE_SIZE, 1));
    const send = () => ia.write(fa, [{ va: src, len: 4 * PAGE_SIZE }], { ip: "10.0.0.2", port: 2000 });
    send();
    let c = b.counters();
    const first = ib.readFrom(fb, { pool, len: 4 * PAGE_SIZE })!; // waits: the adapter fills a new buffer
    let d = diffCounters(c, b.counters());
    expect(d.iolPoolPages).toBe(4); // growing maps the new pages (and the aggregate's scratch page)
    expect(d.pteWrites).toBeGreaterThanOrEqual(4);
    ib.free(first.agg);
    for (let round = 0; round < 3; round++) {
      send();
      c = b.counters();
      const got = ib.readFrom(fb, { pool, len: 4 * PAGE_SIZE })!;
      d = diffCounters(c, b.counters());
      expect(got.agg).toEqual(first.agg); // the same buffer, the same addresses
      expect(d.bytesCopied).toBe(8); // the data landed in place; only the aggregate is copied out
      expect(d.iolBufReused).toBe(1);
      expect(d.iolPoolPages).toBe(0);
      expect(d.pteWrites).toBe(0);
      expect(d.tlbInvalLocal + d.tlbShootdowns + d.tlbFlushes).toBe(0);
      expectBytes(ib.bytes(got.agg), pattern(4 * PAGE_SIZE, 1));
      ib.free(got.agg);
    }
    // A file read again from a hot cache: no PTE write either.
    a.world.run();
  });

  it("content sent N times is checksummed once: the checksum cache keys on (buffer, generation)", async () => {
    const data = pattern(N, 9);
    const { a, pa, pb, fa, fb } = await fileMachine(data, false);
    const io = ioLite(pa), ib = ioLite(pb);
    const agg = io.read(pa.open("/f"), { len: N });
    const pool = ib.pool();
    const c = a.counters();
    for (let i = 0; i < 5; i++) {
      expect(io.write(fa, agg)).toBe(N);
      const got = ib.readFrom(fb, { pool })!;
      expectBytes(ib.bytes(got.agg), data);
      ib.free(got.agg);
    }
    const d = diffCounters(c, a.counters());
    expect(d.iolCsumMisses).toBe(agg.length);
    expect(d.iolCsumHits).toBe(4 * agg.length);
    expect(d.bytesChecksummed).toBe(N + 20 * d.packetsSent); // the payload once; each packet's IP header
    expect(d.bytesCopied).toBe(5 * 8 * agg.length); // only the aggregates, by value
    a.world.run();
  });

  it("a CGI process passes dynamic content through a pipe by reference; the server sends it, mutated by a new buffer and a chained aggregate", async () => {
    const { a, pa: server, pb, fa, fb } = await pair({ mtu: 9000, headerSplit: true, earlyDemux: true });
    const [r, w] = server.pipe();
    const cgi = server.fork();
    const ic = ioLite(cgi), is = ioLite(server), ib = ioLite(pb);
    const body = pattern(3 * PAGE_SIZE + 40, 21);
    const pool = ic.pool();
    const va = ic.alloc(pool, body.length);
    cgi.store(va, body);
    expect(ic.write(w, [{ va, len: body.length }])).toBe(body.length);
    ic.free([{ va, len: body.length }]);
    const c = a.counters();
    const agg = is.read(r, { len: 1 << 20 });
    expect(agg).toEqual([{ va, len: body.length }]); // the same window address in the server
    expect(a.explain(server.pid, va).frame).toBe(a.explain(cgi.pid, va).frame);
    // The server prepends a header in a new buffer of its own: the body is not touched.
    const header = new TextEncoder().encode("HTTP/1.0 200 OK\r\n\r\n");
    const hp = is.pool();
    const hva = is.alloc(hp, header.length);
    server.store(hva, header);
    const chained: Aggregate = [{ va: hva, len: header.length }, { va: va + 100, len: body.length - 100 }];
    is.write(fa, chained, { ip: "10.0.0.2", port: 2000 });
    expect(diffCounters(c, a.counters()).bytesCopied).toBe(8 + 16); // two aggregates' slices
    const got = ib.readFrom(fb, { pool: ib.pool() })!;
    const want = new Uint8Array(header.length + body.length - 100);
    want.set(header);
    want.set(body.subarray(100), header.length);
    expectBytes(ib.bytes(got.agg), want);
    expectBytes(is.bytes(agg), body, "the original aggregate");
    a.world.run();
  });

  it("a buffer being filled is writable by its producer alone: a forked child's store into it kills the child", async () => {
    const m = await machine();
    const p = m.spawn();
    const io = ioLite(p);
    const va = io.alloc(io.pool(), PAGE_SIZE);
    p.store(va, [1, 2, 3]);
    const child = p.fork(); // inherits the window, read-only
    expect(Array.from(child.load(va, 3))).toEqual([1, 2, 3]);
    expect(() => child.store(va, [9])).toThrow(SegmentationFault);
    expect(child.killReason).toBe(Kill.SEGV_PROT);
    p.store(va + 3, [4]); // the producer still fills it
    expect(Array.from(p.load(va, 4))).toEqual([1, 2, 3, 4]);
  });

  it("files: iol_write copies an aggregate into the file at its offset; a hole reads as a buffer of zeroes; pipes refuse iol_read of write() bytes", async () => {
    const data = pattern(2 * PAGE_SIZE, 8);
    const { pa } = await fileMachine(data);
    const io = ioLite(pa);
    const src = io.read(pa.open("/f"), { len: data.length });
    const out = pa.open("/g", { read: true, write: true, create: true });
    pa.lseek(out, 3 * PAGE_SIZE); // pages 0..2 stay a hole
    expect(io.write(out, src)).toBe(data.length);
    const back = io.read(pa.open("/g"), { len: 5 * PAGE_SIZE });
    const want = new Uint8Array(5 * PAGE_SIZE);
    want.set(data, 3 * PAGE_SIZE);
    expectBytes(io.bytes(back), want);
    const [r, w] = pa.pipe();
    const buf = pa.mmap(PAGE_SIZE);
    pa.write(w, buf, 10);
    expect(() => io.read(r)).toThrow(errno(Errno.EINVAL));
    expect(pa.read(r, buf, 10)).toBe(10);
  });

  it("iol_write to a file open read-only fails with EBADF and leaves the buffer writable by its filler", async () => {
    const { pa } = await fileMachine(pattern(PAGE_SIZE, 3));
    const io = ioLite(pa);
    const va = io.alloc(io.pool(), 100);
    pa.store(va, pattern(100, 4));
    const ro = pa.open("/f");
    expect(() => io.write(ro, [{ va, len: 100 }])).toThrow(errno(Errno.EBADF));
    pa.store(va, pattern(100, 5)); // not sealed: the store sticks, no SEGV_PROT
    expectBytes(pa.load(va, 100), pattern(100, 5));
    const rw = pa.open("/f", { read: true, write: true });
    expect(io.write(rw, [{ va, len: 100 }])).toBe(100);
    expect(() => pa.store(va, pattern(1, 6))).toThrow(SegmentationFault); // sealed by the write that worked
  });

  it("bad arguments get clear errors and change nothing", async () => {
    const { a, pa, fa } = await pair();
    const io = ioLite(pa);
    const other = ioLite(a.spawn());
    const theirs = other.pool();
    expect(() => io.alloc(theirs, 100)).toThrow(errno(Errno.EACCES));
    expect(() => io.alloc(99, 100)).toThrow(errno(Errno.EINVAL));
    expect(() => io.alloc(0, 100)).toThrow(errno(Errno.EINVAL)); // the file cache's pool
    const pool = io.pool();
    expect(() => io.alloc(pool, 0)).toThrow(errno(Errno.EINVAL));
    expect(() => io.alloc(pool, (1 << 20) + 1)).toThrow(errno(Errno.EINVAL));
    const va = io.alloc(pool, 100);
    const oa = other.alloc(theirs, 100);
    expect(() => io.write(fa, [{ va: oa, len: 10 }], { ip: "10.0.0.2", port: 2000 })).toThrow(errno(Errno.EINVAL)); // not held
    expect(() => io.write(fa, [{ va, len: PAGE_SIZE + 1 }], { ip: "10.0.0.2", port: 2000 })).toThrow(errno(Errno.EINVAL)); // past its buffer
    expect(() => io.write(fa, [{ va: 0x1000_0000, len: 4 }], { ip: "10.0.0.2", port: 2000 })).toThrow(errno(Errno.EINVAL));
    expect(() => io.write(30, [{ va, len: 4 }])).toThrow(errno(Errno.EBADF));
    expect(() => io.write(fa, [])).toThrow(errno(Errno.EINVAL));
    expect(pa.syscall(28 /* IOL_WRITE */, fa, 0x20000, 1, 0, 0)).toBe(-Errno.EFAULT);
    expect(() => io.readFrom(fa, { dontwait: true })).toThrow(errno(Errno.EINVAL)); // a socket needs a pool
    expect(() => io.readFrom(fa, { pool: theirs, dontwait: true })).toThrow(errno(Errno.EACCES));
    expect(io.readFrom(fa, { pool, dontwait: true })).toBeNull();
    expect(() => io.free([{ va, len: 4 }, { va, len: 4 }])).toThrow(errno(Errno.EINVAL)); // held once
    io.free([{ va, len: 4 }]);
    expect(() => io.free([{ va, len: 4 }])).toThrow(errno(Errno.EINVAL));
    expect(() => pa.mprotect(va & ~(PAGE_SIZE - 1), PAGE_SIZE, 3)).toThrow(errno(Errno.EACCES)); // the window stays read-only
    expect(() => a.check()).not.toThrow();
  });

  it("processes that exit give every buffer and pool back: every frame they used is free again", async () => {
    const m = await machine({ memory: "4M" });
    const free0 = m.freeFrames;
    const p = m.spawn();
    const io = ioLite(p);
    const [r, w] = p.pipe();
    const child = p.fork();
    const ic = ioLite(child);
    const va = ic.alloc(ic.pool(), 3 * PAGE_SIZE);
    child.store(va, pattern(3 * PAGE_SIZE, 4));
    ic.write(w, [{ va, len: 3 * PAGE_SIZE }]);
    child.exit(0);
    const agg = io.read(r);
    expectBytes(io.bytes(agg), pattern(3 * PAGE_SIZE, 4));
    p.exit(0);
    child.reap();
    p.reap();
    expect(m.freeFrames).toBe(free0);
  });
});
