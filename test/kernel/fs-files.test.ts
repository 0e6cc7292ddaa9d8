// Files as data: large and sparse files across the direct / indirect / double-indirect
// boundaries, persistence across machines, the unified page cache (eviction under pressure,
// writeback by DMA from the cached frames, TCOW when a page under writeback is written).

import { describe, expect, it } from "vitest";
import {
  FS_NDIRECT, FS_NINDIRECT, fsck, PAGE_SIZE, ProcState, Subsys, Sys, SYS_RESTART, type MemoryStore, type Process,
} from "../../tools/host/index";
import { expectBytes, pattern } from "./machines";
import { fsMachine, readChunks, writeChunks } from "./fs-helpers";


const GiB = 2 ** 30;

/** writeAt / readAt: bytes at a file offset, through a buffer of p. */
function writeAt(p: Process, fd: number, off: number, bytes: Uint8Array): void {
  const va = p.mmap(bytes.length);
  p.store(va, bytes);
  p.lseek(fd, off);
  expect(p.write(fd, va, bytes.length)).toBe(bytes.length);
  p.munmap(va, bytes.length);
}
function readAt(p: Process, fd: number, off: number, len: number): Uint8Array {
  const va = p.mmap(len);
  p.lseek(fd, off);
  const n = p.read(fd, va, len);
  const out = p.load(va, n);
  p.munmap(va, len);
  return out;
}

function clean(store: MemoryStore): void {
  const r = fsck(store.image);
  expect(r.problems).toEqual([]);
}

describe("large and sparse files", () => {
  it("shrinking a sparse file so that it ends inside a hole leaves the hole a hole: writeback, fsync and fsck are clean", async () => {
    const { m, p, store } = await fsMachine({ memory: "4M" });
    const fd = p.open("/sparse", { read: true, write: true, create: true });
    const head = pattern(100, 3);
    writeAt(p, fd, 0, head); // page 0 has a block; pages 1..7 stay holes
    p.ftruncate(fd, 8 * PAGE_SIZE);
    // A load through a shared mapping puts a frame of zeros into the file's object for the hole.
    const map = p.mmap(PAGE_SIZE, { shared: true, fd, offset: 6 * PAGE_SIZE });
    expect(p.load(map, 200)).toEqual(new Uint8Array(200));
    p.munmap(map, PAGE_SIZE);
    p.ftruncate(fd, 6 * PAGE_SIZE + 123); // ends inside page 6, a hole: it used to be made dirty
    // Many dirty pages after it start writeback, oldest first: the hole's page had no block to
    // go to ("wbSubmit: a dirty page has no block", a kernel panic).
    const other = p.open("/bulk", { read: true, write: true, create: true });
    writeAt(p, other, 0, pattern(300 * PAGE_SIZE, 4));
    m.world.run();
    expect(m.panicked).toBeNull();
    expect(readAt(p, fd, 6 * PAGE_SIZE, 200)).toEqual(new Uint8Array(123));
    p.ftruncate(fd, 2 * PAGE_SIZE + 50); // inside page 2, a hole again
    p.fsync(fd);
    m.world.run();
    const want = new Uint8Array(2 * PAGE_SIZE + 50);
    want.set(head);
    expectBytes(readAt(p, fd, 0, want.length + 10), want);
    p.close(fd);
    p.close(other);
    clean(store);
  });

  it("pages on each side of the direct, indirect and double-indirect boundaries read back byte-exact", async () => {
    const { m, p, store } = await fsMachine({ blocks: 16384 });
    const fd = p.open("/edges", { read: true, write: true, create: true });
    const single = FS_NDIRECT; // first page through the indirect block
    const double = FS_NDIRECT + FS_NINDIRECT; // first page through the double-indirect block
    const spots = [0, single - 1, single, double - 1, double, double + FS_NINDIRECT - 1, double + FS_NINDIRECT, double + 5 * FS_NINDIRECT + 7];
    spots.forEach((pg, i) => writeAt(p, fd, pg * PAGE_SIZE + 100, pattern(PAGE_SIZE, 50 + i))); // each straddles two pages
    const last = spots[spots.length - 1];
    expect(p.fstat(fd).size).toBe((last + 1) * PAGE_SIZE + 100);
    // data: 2 pages per spot, some shared (single-1/single, ...); indirect: 1 + double: 1 + its children: 3
    const pages = new Set(spots.flatMap((pg) => [pg, pg + 1]));
    expect(p.fstat(fd).nblocks).toBe(pages.size + 1 + 1 + 3);
    spots.forEach((pg, i) => expectBytes(readAt(p, fd, pg * PAGE_SIZE + 100, PAGE_SIZE), pattern(PAGE_SIZE, 50 + i), `spot ${pg}`));
    expectBytes(readAt(p, fd, 20 * PAGE_SIZE, PAGE_SIZE), new Uint8Array(PAGE_SIZE), "a hole");
    p.fsync(fd);
    clean(store);
    // Shrinking across each boundary frees what lies past it.
    p.ftruncate(fd, (double + 1) * PAGE_SIZE);
    expect(p.fstat(fd).nblocks).toBe(new Set([...pages].filter((x) => x <= double)).size + 1 + 1 + 1);
    p.ftruncate(fd, single * PAGE_SIZE + 1);
    expect(p.fstat(fd).nblocks).toBe(new Set([...pages].filter((x) => x <= single)).size + 1);
    p.ftruncate(fd, 5);
    expect(p.fstat(fd).nblocks).toBe(1);
    expectBytes(readAt(p, fd, 0, 10), new Uint8Array(5), "the first bytes (a hole before offset 100)");
    p.close(fd);
    m.unmount();
    clean(store);
  });

  it("a file of more than 1 GiB: sparse writes near 1 GiB and 4 GiB, without writing a GiB", async () => {
    const { m, p, store } = await fsMachine({ blocks: 16384 });
    const fd = p.open("/huge", { read: true, write: true, create: true });
    const a = pattern(3 * PAGE_SIZE, 1);
    const b = pattern(5000, 2);
    writeAt(p, fd, GiB - PAGE_SIZE - 77, a);
    writeAt(p, fd, 4 * GiB - 3 * PAGE_SIZE, b);
    expect(p.fstat(fd).size).toBe(4 * GiB - 3 * PAGE_SIZE + 5000);
    expectBytes(readAt(p, fd, GiB - PAGE_SIZE - 77, a.length), a);
    expectBytes(readAt(p, fd, 4 * GiB - 3 * PAGE_SIZE, b.length), b);
    expectBytes(readAt(p, fd, 2 * GiB, 2 * PAGE_SIZE), new Uint8Array(2 * PAGE_SIZE));
    // The last page a file can have; one byte more is EFBIG.
    const max = (FS_NDIRECT + FS_NINDIRECT + FS_NINDIRECT * FS_NINDIRECT) * PAGE_SIZE;
    writeAt(p, fd, max - 10, pattern(10, 3));
    expect(p.fstat(fd).size).toBe(max);
    const va = p.mmap(PAGE_SIZE);
    expect(p.syscall(Sys.WRITE, fd, va, 1, 0)).toBe(-27); // EFBIG: the offset is at the largest size
    p.lseek(fd, max - 5);
    expect(p.syscall(Sys.WRITE, fd, va, 100, 0)).toBe(5); // what fits
    p.fsync(fd);
    clean(store);
    p.close(fd);
    // A new machine on the same disk reads the same bytes.
    m.unmount();
    const { m: m2, p: q } = await fsMachine({ store });
    const fd2 = q.open("/huge");
    expectBytes(readAt(q, fd2, GiB - PAGE_SIZE - 77, a.length), a);
    expectBytes(readAt(q, fd2, 4 * GiB - 3 * PAGE_SIZE, b.length), b);
    q.close(fd2);
    q.unlink("/huge");
    m2.unmount();
    clean(store);
    expect(fsck(store.image).stats).toMatchObject({ files: 0, blocksUsed: fsck(store.image).geometry!.dataStart + 1 });
  });
});

describe("persistence", () => {
  it("write + fsync, then a new machine on the same disk image reads back byte-exact", async () => {
    const { p, store } = await fsMachine({ blocks: 16384 });
    const files = new Map<string, Uint8Array>();
    p.mkdir("/home");
    p.mkdir("/home/ann");
    for (const [i, size] of [1, 4095, 4096, 4097, 100_000, 3 * 1024 * 1024 + 17].entries()) {
      const path = `/home/ann/f${i}`;
      files.set(path, pattern(size, 100 + i));
      p.writeFile(path, files.get(path)!, { fsync: true });
    }
    // No unmount: the machine is simply gone (as after a power cut once everything was synced).
    const { m: m2, p: q } = await fsMachine({ store });
    for (const [path, data] of files) expectBytes(q.readFile(path), data, path);
    const dfd = q.open("/home/ann");
    const names = q.readdir(dfd).map((e) => e.name).sort();
    q.close(dfd);
    expect(names).toEqual([".", "..", "f0", "f1", "f2", "f3", "f4", "f5"]);
    m2.unmount();
    clean(store);
  });

  it("unlink frees every block: the image has as many free blocks as before", async () => {
    const { m, p, store } = await fsMachine({ blocks: 16384 });
    m.unmount();
    const before = fsck(store.image).stats.blocksFree;
    m.mount();
    p.mkdir("/tmp");
    p.writeFile("/tmp/a", pattern(5 * 1024 * 1024, 1));
    const fd = p.open("/tmp/b", { write: true, create: true });
    writeAt(p, fd, GiB, pattern(10, 1));
    p.close(fd);
    m.unmount();
    expect(fsck(store.image).stats.blocksFree).toBeLessThan(before - 1280);
    m.mount();
    p.unlink("/tmp/a");
    p.unlink("/tmp/b");
    p.unlink("/tmp");
    m.unmount();
    const r = fsck(store.image);
    expect(r.problems).toEqual([]);
    expect(r.stats.blocksFree).toBe(before);
  });
});

describe("blocking calls", () => {
  it("fsync blocks its caller until the data and the commit are on disk; the trace shows each step", async () => {
    const { m, p, disk } = await fsMachine({ blocks: 4096, disk: { perRequestNs: 100_000, perByteNs: 0 } });
    const fd = p.open("/t", { write: true, create: true });
    const va = p.mmap(2 * PAGE_SIZE);
    p.store(va, pattern(2 * PAGE_SIZE, 1));
    p.write(fd, va, 2 * PAGE_SIZE);
    m.setTrace(Subsys.FS | Subsys.DISK);
    const t0 = p.clock;
    const w0 = disk.stats.writes;
    p.fsync(fd);
    const writes = disk.stats.writes - w0; // 2 data pages, then log blocks, header, home blocks, header
    expect(writes).toBeGreaterThanOrEqual(2 + 3 + 1 + 3 + 1);
    expect(p.clock - t0).toBeGreaterThanOrEqual(writes * 100_000); // one request at a time
    const kinds = m.traceLog.map((e) => e.kind).filter((k) => k.startsWith("Fs"));
    expect(kinds.slice(0, 4)).toEqual(["FsWriteback", "FsWriteback", "FsBlock", "FsCommit"]);
    const commits = m.traceLog.filter((e) => e.kind === "FsCommit"); // its start and its end
    expect(commits.map((e) => [e.a, e.c])).toEqual([[1, 0], [1, 0]]);
    expect(commits[0].b).toBe(commits[1].b); // blocks in the transaction
    expect(m.fsInfo()).toMatchObject({ dirtyPages: 0, txnBlocks: 0, commits: 1 });
    p.close(fd);
  });
});

describe("the unified page cache", () => {
  it("a 4 MiB file on a 1 MiB machine: clean pages are evicted, dirty ones written back first, reads are exact", async () => {
    const { m, p, store } = await fsMachine({ blocks: 4096, memory: "1M" });
    const data = pattern(4 * 1024 * 1024, 11);
    let fd = p.open("/big", { write: true, create: true });
    writeChunks(p, fd, data);
    p.close(fd);
    fd = p.open("/big");
    expectBytes(readChunks(p, fd, data.length), data);
    p.lseek(fd, 1234567);
    expectBytes(readChunks(p, fd, 300_000, 10_000), data.subarray(1234567, 1234567 + 300_000));
    p.close(fd);
    const info = m.fsInfo();
    expect(info.evictions).toBeGreaterThan(1024);
    expect(info.writebacks).toBeGreaterThanOrEqual(1024);
    expect(m.frameSummary().PAGECACHE ?? 0).toBeLessThan(m.frames);
    m.unmount();
    clean(store);
    expect(m.frameSummary().PAGECACHE ?? 0).toBe(0); // unmount let go of every cached page
  });

  it("writeback is DMA from the cached frames: no CPU copy, and a write during it gets a copy (TCOW)", async () => {
    const { m, p, disk } = await fsMachine({ blocks: 4096 });
    const fd = p.open("/w", { read: true, write: true, create: true });
    const first = pattern(PAGE_SIZE, 1);
    writeAt(p, fd, 0, first);
    p.fsync(fd);
    const second = pattern(PAGE_SIZE, 2);
    writeAt(p, fd, 0, second);
    const q = p.fork(); // another writer, sharing the open file
    // Start an fsync and leave it waiting for its writeback (the raw call blocks the process).
    const c0 = m.counters();
    const { value } = m.enter(0, m.world.now, () => m.k.syscall(p.pid, Sys.FSYNC, fd, 0, 0, 0, 0, 0));
    expect(value).toBe(SYS_RESTART);
    expect(p.state).toBe(ProcState.BLOCKED);
    expect(m.counters().bytesCopied - c0.bytesCopied).toBe(0);
    const under = m.frameMap().filter((f) => f.kind === "PAGECACHE" && f.outRef > 0);
    expect(under.length).toBe(1);
    const frame = under[0].frame;
    // The other process writes the same page while it is being written back.
    const third = pattern(PAGE_SIZE, 3);
    const va = q.mmap(PAGE_SIZE);
    q.store(va, third);
    q.lseek(fd, 0);
    const c2 = m.counters();
    expect(q.syscall(Sys.WRITE, fd, va, PAGE_SIZE, 0)).toBe(PAGE_SIZE);
    expect(m.counters().bytesCopied - c2.bytesCopied).toBe(2 * PAGE_SIZE); // TCOW copy + copyin
    expect(m.frame(frame).flags).toContain("ORPHAN"); // the old frame belongs to the writeback now
    expect(m.frame(frame).outRef).toBe(1);
    m.check();
    m.world.run();
    expect(m.frame(frame).kind).toBe("FREE"); // freed when its writeback completed
    // The disk holds the page as it was when the writeback started, never half of the new bytes.
    const blocks = [...Array(disk.blocks).keys()].filter((b) => {
      const blk = (disk.store as MemoryStore).block(b);
      return blk[0] === second[0] && Buffer.from(blk).equals(Buffer.from(second));
    });
    expect(blocks.length).toBe(1);
    expect(p.state).toBe(ProcState.RUNNABLE);
    p.fsync(fd);
    expectBytes((disk.store as MemoryStore).block(blocks[0]), third);
    expectBytes(readAt(p, fd, 0, PAGE_SIZE), third);
    q.exit();
  });
});
