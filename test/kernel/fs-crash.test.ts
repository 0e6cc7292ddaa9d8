// Crashes and disk errors: the write-ahead log keeps the file system consistent through a power
// cut at any point of writeback, every fsync'ed byte survives, and I/O errors are reported.

import { describe, expect, it } from "vitest";
import { Disk, fsck, MemoryStore, mkfs, PAGE_SIZE, readSuper, SyscallError, type Process } from "../../tools/host/index";
import { expectBytes, machine, pattern } from "./machines";
import { fsMachine } from "./fs-helpers";


const A = pattern(20_000, 1);
const B = pattern(600_000, 2);
const A2 = pattern(4000, 3); // overwrites A at 5000
const C = pattern(200_000, 4);
const E = pattern(1 << 20, 5);

interface Outcome {
  /** Files whose content at their last completed fsync must survive exactly. */
  synced: Map<string, Uint8Array>;
  /** Names removed by an operation a later completed fsync committed. */
  gone: Set<string>;
  /** /d/a was overwritten after its fsync (each byte: old or new). */
  aRewritten: boolean;
  /** Steps completed before the crash stopped the program. */
  steps: number;
}

/** scenario: a program that writes, syncs, overwrites, unlinks; stops at the first call that
 *  cannot complete (the disk lost its power). */
function scenario(p: Process): Outcome {
  const o: Outcome = { synced: new Map(), gone: new Set(), aRewritten: false, steps: 0 };
  const steps: (() => void)[] = [
    () => p.mkdir("/d"),
    () => {
      p.writeFile("/d/a", A, { fsync: true });
      o.synced.set("/d/a", A);
    },
    () => {
      p.writeFile("/d/b", B, { fsync: true });
      o.synced.set("/d/b", B);
    },
    () => {
      const fd = p.open("/d/a", { write: true });
      const va = p.mmap(A2.length);
      p.store(va, A2);
      p.lseek(fd, 5000);
      o.aRewritten = true;
      p.write(fd, va, A2.length);
      p.close(fd);
    },
    () => {
      p.writeFile("/c", C, { fsync: true });
      o.synced.set("/c", C);
    },
    () => {
      p.unlink("/d/b");
      const fd = p.open("/c");
      p.fsync(fd);
      p.close(fd);
      o.synced.delete("/d/b");
      o.gone.add("/d/b");
    },
    () => p.writeFile("/e", E),
    () => p.mkdir("/f"),
  ];
  for (const s of steps) {
    try {
      s();
    } catch (e) {
      if (e instanceof Error && /would wait forever|disk does not answer/.test(e.message)) return o;
      throw e;
    }
    o.steps++;
  }
  return o;
}

/** verify: what must hold on the disk of a crashed machine, checked from a new machine. */
async function verify(store: MemoryStore, o: Outcome, what: string): Promise<{ replayed: boolean }> {
  const before = fsck(store.image);
  expect(before.problems, `${what}: fsck before mount`).toEqual([]);
  const replayed = before.notes.some((n) => /replays/.test(n));
  const { m, p } = await fsMachine({ store });
  expect(fsck(store.image).problems, `${what}: fsck after mount`).toEqual([]);
  for (const [path, data] of o.synced) {
    if (path === "/d/a" && o.aRewritten) {
      const got = p.readFile(path);
      expect(got.length, `${what}: ${path}`).toBe(A.length);
      for (let i = 0; i < got.length; i++) {
        const inNew = i >= 5000 && i < 5000 + A2.length;
        if (got[i] !== A[i] && !(inNew && got[i] === A2[i - 5000])) expect.fail(`${what}: ${path} byte ${i} is neither old nor new`);
      }
    } else expectBytes(p.readFile(path), data, `${what}: ${path}`);
  }
  for (const path of o.gone) expect(() => p.stat(path), `${what}: ${path}`).toThrow(/ENOENT/);
  // A file never synced is absent, or holds a prefix of what was written (ordered mode: never
  // another file's bytes, never garbage).
  let e: Uint8Array | null = null;
  try {
    e = p.readFile("/e");
  } catch (err) {
    if (!(err instanceof SyscallError && err.code === "ENOENT")) throw err;
  }
  if (e) expectBytes(e, E.subarray(0, e.length), `${what}: /e`);
  m.unmount();
  expect(fsck(store.image).problems, `${what}: fsck after unmount`).toEqual([]);
  return { replayed };
}

describe("crash during writeback", () => {
  it("a power cut after any number of writes leaves a consistent file system with every fsync'ed byte", async () => {
    const base = new Uint8Array(4096 * PAGE_SIZE);
    mkfs(base);
    // A run without a crash: how many writes the program makes.
    const full = await fsMachine({ image: base });
    const o = scenario(full.p);
    expect(o.steps).toBe(8);
    const writes = full.disk.stats.writes;
    expect(writes).toBeGreaterThan(200);
    // Crash points spread over the whole run, and every one of the first 40 writes.
    const points = new Set<number>();
    for (let n = 1; n <= 40; n++) points.add(n);
    for (let k = 1; k <= 24; k++) points.add(Math.round((k * writes) / 25));
    let replays = 0;
    let partial = 0;
    for (const n of [...points].sort((a, b) => a - b)) {
      const { p, disk, store } = await fsMachine({ image: base, disk: { crashAfterWrites: n } });
      const out = scenario(p);
      if (out.steps < 8) {
        expect(disk.crashed, `crash after ${n}`).toBe(true);
        partial++;
      }
      const { replayed } = await verify(store, out, `crash after ${n} writes`);
      if (replayed) replays++;
    }
    expect(partial).toBeGreaterThan(50); // most runs were cut short
    expect(replays).toBeGreaterThan(0); // some cuts fell between a commit point and its install
  }, 120_000);
});

describe("disk errors", () => {
  it("mounting a disk that has lost its power fails with a clear error instead of waiting forever", async () => {
    const img = new Uint8Array(1024 * PAGE_SIZE);
    mkfs(img);
    const disk = new Disk({ store: new MemoryStore(img) });
    const m = await machine({ disk });
    disk.crash();
    expect(() => m.mount()).toThrow(/mount: the disk does not answer \(it has crashed\)/);
    expect(m.fsInfo().mounted).toBe(0);
  });

  it("a failed read is EIO; once the block heals, the same read works", async () => {
    const img = new Uint8Array(1024 * PAGE_SIZE);
    const g = mkfs(img);
    const made = await fsMachine({ image: img });
    made.p.writeFile("/r", pattern(3 * PAGE_SIZE, 7), { fsync: true });
    made.m.unmount();
    const first = g.dataStart + 1; // the first block allocated after the root directory's
    const { p, disk } = await fsMachine({ image: made.store.image, disk: { failReads: [first] } });
    const fd = p.open("/r");
    const va = p.mmap(3 * PAGE_SIZE);
    expect(() => p.read(fd, va, 3 * PAGE_SIZE)).toThrow(/EIO/);
    disk.failBlock(first, "read", false);
    expect(p.read(fd, va, 3 * PAGE_SIZE)).toBe(3 * PAGE_SIZE);
    expectBytes(p.load(va, 3 * PAGE_SIZE), pattern(3 * PAGE_SIZE, 7));
    p.close(fd);
  });

  it("a failed write: fsync says EIO, every later change is EIO, and the disk stays consistent", async () => {
    const img = new Uint8Array(1024 * PAGE_SIZE);
    const g = mkfs(img);
    const { m, p, disk, store } = await fsMachine({ image: img });
    p.writeFile("/ok", pattern(5000, 1), { fsync: true });
    for (let b = g.dataStart; b < g.blocks; b++) disk.failBlock(b, "write");
    const fd = p.open("/bad", { write: true, create: true });
    const va = p.mmap(PAGE_SIZE);
    p.store(va, pattern(PAGE_SIZE, 2));
    p.write(fd, va, PAGE_SIZE);
    expect(() => p.fsync(fd)).toThrow(/EIO/);
    expect(m.fsInfo().failed).toBe(1);
    expect(() => p.mkdir("/x")).toThrow(/EIO/);
    expect(() => p.write(fd, va, 10)).toThrow(/EIO/);
    expect(p.readFile("/ok")).toEqual(pattern(5000, 1)); // reads still work
    p.close(fd);
    // The committed transaction sits in the log; a new machine replays it.
    expect(fsck(store.image).problems).toEqual([]);
    const again = await fsMachine({ store });
    expect(again.p.readFile("/ok")).toEqual(pattern(5000, 1));
    expect(again.p.stat("/bad").size).toBe(PAGE_SIZE);
    again.m.unmount();
    expect(fsck(store.image).problems).toEqual([]);
    expect(readSuper(store.image).clean).toBe(1);
  });
});
