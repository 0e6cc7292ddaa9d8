// Crash at EVERY write point: for each representative sequence of file-system calls, run it once
// to count the disk writes it makes (mount included), then once per write N with the power cut
// right after write N; remount on a new machine and check: fsck is clean before mounting (the
// log replays what was committed) and after, and every fsync'ed (msync'ed) byte survived; what
// was not synced is the old state or the new, never a mix of other bytes.

import { describe, expect, it } from "vitest";
import { fsck, mkfs, PAGE_SIZE, SyscallError, type MemoryStore, type Process } from "../../tools/host/index";
import { expectBytes, pattern } from "./machines";
import { fsMachine } from "./fs-helpers";

const OLD = pattern(3 * PAGE_SIZE + 500, 11); // /f before every sequence (synced)
const NEW = pattern(2 * PAGE_SIZE, 12);

interface Sequence {
  name: string;
  /** The calls; returns normally only once the sync at its end has completed. */
  run(p: Process): void;
  /** What the remounted file system must show; synced: the sequence's sync completed. */
  check(p: Process, synced: boolean, what: string): void;
}

/** read: the file's bytes, or null if it does not exist. */
function read(p: Process, path: string): Uint8Array | null {
  try {
    return p.readFile(path);
  } catch (e) {
    if (e instanceof SyscallError && e.code === "ENOENT") return null;
    throw e;
  }
}

/** eachOldOrNew: got has old's length and each byte is old's or (in [at, at+neu.length)) neu's. */
function eachOldOrNew(got: Uint8Array | null, old: Uint8Array, neu: Uint8Array, at: number, what: string): void {
  expect(got, what).not.toBeNull();
  expect(got!.length, what).toBe(Math.max(old.length, at + neu.length));
  for (let i = 0; i < got!.length; i++) {
    const o = i < old.length ? old[i] : 0;
    const inNew = i >= at && i < at + neu.length;
    if (got![i] !== o && !(inNew && got![i] === neu[i - at])) expect.fail(`${what}: byte ${i} is neither old nor new`);
  }
}

function fsyncPath(p: Process, path: string): void {
  const fd = p.open(path);
  p.fsync(fd);
  p.close(fd);
}

const SEQUENCES: Sequence[] = [
  {
    name: "create + write + fsync",
    run(p) {
      p.writeFile("/n", NEW, { fsync: true });
    },
    check(p, synced, what) {
      const got = read(p, "/n");
      if (synced) expectBytes(got!, NEW, what);
      else if (got) expectBytes(got, NEW.subarray(0, got.length), `${what} (a prefix)`);
      expectBytes(read(p, "/f")!, OLD, `${what}: /f untouched`);
    },
  },
  {
    name: "overwrite in place + fsync",
    run(p) {
      const fd = p.open("/f", { read: true, write: true });
      const va = p.mmap(NEW.length);
      p.store(va, NEW);
      p.lseek(fd, 1000);
      p.write(fd, va, NEW.length);
      p.fsync(fd);
      p.close(fd);
    },
    check(p, synced, what) {
      const got = read(p, "/f");
      const want = OLD.slice();
      want.set(NEW, 1000);
      if (synced) expectBytes(got!, want, what);
      else eachOldOrNew(got, OLD, NEW, 1000, what);
    },
  },
  {
    name: "truncate + fsync",
    run(p) {
      const fd = p.open("/f", { read: true, write: true });
      p.ftruncate(fd, 5000);
      p.fsync(fd);
      p.close(fd);
    },
    check(p, synced, what) {
      const got = read(p, "/f")!;
      if (synced) expectBytes(got, OLD.subarray(0, 5000), what);
      else {
        // Not committed: the old size or the new. Ordered mode writes the kept block's tail,
        // zeroed, before the commit (as ext4's does): under the old size, bytes [5000, 8192)
        // may already read as zeroes. Every other byte is the old one.
        expect([OLD.length, 5000], what).toContain(got.length);
        expectBytes(got.subarray(0, 5000), OLD.subarray(0, 5000), what);
        for (let i = 5000; i < got.length; i++)
          if (got[i] !== OLD[i] && !(i < 2 * PAGE_SIZE && got[i] === 0)) expect.fail(`${what}: byte ${i} is neither old nor the zeroed tail`);
      }
    },
  },
  {
    name: "unlink + fsync",
    run(p) {
      p.unlink("/f");
      fsyncPath(p, "/g");
    },
    check(p, synced, what) {
      const got = read(p, "/f");
      if (synced) expect(got, what).toBeNull();
      else if (got) expectBytes(got, OLD, what);
      expectBytes(read(p, "/g")!, NEW, `${what}: /g`);
    },
  },
  {
    name: "mkdir + file in it + fsync",
    run(p) {
      p.mkdir("/m");
      p.writeFile("/m/x", NEW.subarray(0, 3000), { fsync: true });
    },
    check(p, synced, what) {
      let isDir = false;
      try { isDir = p.stat("/m").type === "dir"; } catch (e) { if (!(e instanceof SyscallError && e.code === "ENOENT")) throw e; }
      if (synced) {
        expect(isDir, what).toBe(true);
        expectBytes(read(p, "/m/x")!, NEW.subarray(0, 3000), what);
      } else if (isDir) {
        const x = read(p, "/m/x");
        if (x) expectBytes(x, NEW.subarray(0, x.length), what);
      }
    },
  },
  {
    name: "mmap (shared) + store + msync",
    run(p) {
      const fd = p.open("/f", { read: true, write: true });
      const va = p.mmap(4 * PAGE_SIZE, { fd, shared: true });
      p.store(va + PAGE_SIZE - 100, NEW);
      p.msync(va, 4 * PAGE_SIZE);
    },
    check(p, synced, what) {
      const got = read(p, "/f");
      const want = OLD.slice();
      want.set(NEW.subarray(0, OLD.length - (PAGE_SIZE - 100)), PAGE_SIZE - 100);
      if (synced) expectBytes(got!, want, what);
      else eachOldOrNew(got, OLD, NEW.subarray(0, OLD.length - (PAGE_SIZE - 100)), PAGE_SIZE - 100, what);
    },
  },
];

/** base: a small file system holding /f (OLD) and /g (NEW), synced and cleanly unmounted. */
async function base(): Promise<Uint8Array> {
  const img = new Uint8Array(512 * PAGE_SIZE);
  mkfs(img);
  const { m, p, store } = await fsMachine({ image: img });
  p.writeFile("/f", OLD, { fsync: true });
  p.writeFile("/g", NEW, { fsync: true });
  m.unmount();
  return store.image.slice();
}

/** attempt: run seq on img, the power cut after write n (0: never); synced, and the store. */
async function attempt(img: Uint8Array, seq: Sequence, n: number): Promise<{ synced: boolean; writes: number; store: MemoryStore }> {
  const { p, disk, store } = await fsMachine({ image: img, disk: n ? { crashAfterWrites: n } : {} });
  let synced = false;
  try {
    seq.run(p);
    synced = true;
  } catch (e) {
    if (!(e instanceof Error && /would wait forever|disk does not answer/.test(e.message))) throw e;
  }
  if (n) expect(disk.crashed || synced, `${seq.name}: crash after ${n}`).toBe(true);
  return { synced, writes: disk.stats.writes, store };
}

/** Totals over the suite (docs/reliability.md quotes them). */
const totals = { points: 0, replays: 0 };

describe("a power cut after every single disk write of each file-system sequence", () => {
  for (const seq of SEQUENCES) {
    it(`${seq.name}: fsck clean, every synced byte survives, unsynced state is old or new`, async () => {
      const img = await base();
      const { writes } = await attempt(img, seq, 0);
      expect(writes).toBeGreaterThan(2);
      let cut = 0;
      for (let n = 1; n <= writes; n++) {
        const what = `${seq.name}, power cut after write ${n} of ${writes}`;
        const { synced, store } = await attempt(img, seq, n);
        if (!synced) cut++;
        const before = fsck(store.image);
        expect(before.problems, `${what}: fsck before mount`).toEqual([]);
        if (before.notes.some((x) => /replays/.test(x))) totals.replays++;
        const again = await fsMachine({ store });
        expect(fsck(store.image).problems, `${what}: fsck after mount`).toEqual([]);
        seq.check(again.p, synced, what);
        again.m.unmount();
        expect(fsck(store.image).problems, `${what}: fsck after unmount`).toEqual([]);
        totals.points++;
      }
      expect(cut, "most cuts stop the sequence before its sync completes").toBeGreaterThan(0);
    });
  }
  it("enumerated every write point", () => {
    console.log(`crash points enumerated: ${totals.points}, log replays seen: ${totals.replays}`);
    expect(totals.points).toBeGreaterThan(SEQUENCES.length * 3);
  });
});
