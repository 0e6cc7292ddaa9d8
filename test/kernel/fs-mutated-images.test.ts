// Damaged disk images never crash the kernel. Each image is a good file system with bytes of its
// metadata (superblock, log header, inode table, bitmap, directory blocks) mutated: fsck runs and
// never throws; the kernel either refuses to mount with a clear error — and then has written
// NOTHING to the image — or mounts, and every file operation on it returns data or an errno,
// never a panic; the machine's invariants hold after each test (test/setup/invariants.ts).
// What fsck cannot see: file data carries no checksum (docs/reliability.md).

import { describe, expect, it } from "vitest";
import { Disk, fsck, MemoryStore, mkfs, PAGE_SIZE, readSuper, Rng, SyscallError, type Process } from "../../tools/host/index";
import { machine, pattern } from "./machines";
import { fsMachine } from "./fs-helpers";

/** good: a small file system with a few files and a directory, cleanly unmounted. */
async function good(): Promise<Uint8Array> {
  const img = new Uint8Array(256 * PAGE_SIZE);
  mkfs(img);
  const { m, p, store } = await fsMachine({ image: img });
  p.mkdir("/d");
  p.writeFile("/d/a", pattern(9000, 1), { fsync: true });
  p.writeFile("/b", pattern(3 * PAGE_SIZE, 2), { fsync: true });
  for (let i = 0; i < 12; i++) p.writeFile(`/d/f${i}`, pattern(100 + i, 3 + i));
  m.unmount();
  return store.image.slice();
}

/** use: every call a program makes on a mounted image; errors are fine, a panic is not. */
function use(p: Process): number {
  let errors = 0;
  const tryIt = (f: () => unknown) => {
    try { f(); } catch (e) { if (e instanceof SyscallError) errors++; else throw e; }
  };
  for (const path of ["/", "/d", "/d/a", "/b", "/d/f3", "/nope"]) tryIt(() => p.stat(path));
  tryIt(() => p.readdir(p.open("/d")));
  for (const path of ["/d/a", "/b", "/d/f7"]) tryIt(() => p.readFile(path));
  tryIt(() => p.writeFile("/new", pattern(5000, 9), { fsync: true }));
  tryIt(() => p.unlink("/d/f1"));
  tryIt(() => p.mkdir("/d/e"));
  return errors;
}

describe("mutated disk images", () => {
  it("every mutation of metadata bytes is refused with a clear error (the image untouched) or mounts and fails calls with errnos; fsck never throws", async () => {
    const img = await good();
    const g = readSuper(img);
    const rng = new Rng(0xd15c);
    // Blocks that hold metadata: superblock 0, the log's header, the inode table, the bitmap and
    // the first data blocks (the root's and /d's directory blocks come first).
    const meta = [0, g.logStart, g.inodeStart, g.inodeStart + 1, g.bitmapStart, g.dataStart, g.dataStart + 1, g.dataStart + 2];
    let refused = 0, mounted = 0, damaged = 0;
    const TRIES = 60;
    for (let t = 0; t < TRIES; t++) {
      const bad = img.slice();
      const blk = meta[rng.below(meta.length)];
      const n = 1 + rng.below(8);
      for (let k = 0; k < n; k++) {
        const at = blk * PAGE_SIZE + (blk === 0 || rng.below(2) ? rng.below(128) : rng.below(PAGE_SIZE));
        bad[at] = rng.below(4) === 0 ? 0xff : bad[at] ^ (1 << rng.below(8));
      }
      const report = fsck(bad); // must not throw
      if (report.problems.length) damaged++;
      const store = new MemoryStore(bad.slice());
      const m = await machine({ memory: "8M", disk: new Disk({ store }) });
      let err: Error | null = null;
      try { m.mount(); } catch (e) { err = e as Error; }
      if (err) {
        expect(err.message, `try ${t}: the refusal says why`).toMatch(/mount: .{6,}/);
        expect(Buffer.compare(store.image, bad), `try ${t}: a refused image is not written`).toBe(0);
        expect(m.panicked, `try ${t}`).toBeNull();
        refused++;
        continue;
      }
      mounted++;
      use(m.spawn());
      expect(m.panicked, `try ${t}`).toBeNull();
    }
    expect(refused + mounted).toBe(TRIES);
    expect(damaged).toBeGreaterThan(0);
    console.log(`mutated images: ${TRIES}, fsck found damage in ${damaged}, mount refused ${refused}, mounted ${mounted}`);
  });
});
