// mkfs and fsck on images (tools/host/fs), and the genie mkfs / fsck commands. fsck reports every
// kind of damage by name and never throws, whatever the bytes; the kernel never panics on a
// damaged image either (it refuses it at mount, or fails the call that meets the damage).

import { beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  ConfigError, FS_DIRENT_SIZE, FS_MAGIC, FsSuper, FsType, fsck, KernelPanic, mkfs, MKFS_MIN_BLOCKS, PAGE_SIZE, readSuper, Rng, SyscallError,
} from "../../tools/host/index";
import { inodeAt, readInode, view, writeInode } from "../../tools/host/fs/layout";
import { fsMachine } from "../kernel/fs-helpers";
import { pattern } from "../kernel/machines";


const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** populated: an image made by the kernel: /a (3 pages), /d/b (14 pages: an indirect block), /d/e/ (empty). */
let populated: Uint8Array;
beforeAll(async () => {
  const { m, p, store } = await fsMachine({ blocks: 1024 });
  p.writeFile("/a", pattern(3 * PAGE_SIZE, 1));
  p.mkdir("/d");
  p.writeFile("/d/b", pattern(14 * PAGE_SIZE, 2));
  p.mkdir("/d/e");
  m.unmount();
  populated = store.image.slice();
});

/** damaged: a copy of the populated image with fn applied. */
function damaged(fn: (img: Uint8Array, dv: DataView) => void): Uint8Array {
  const img = populated.slice();
  fn(img, view(img));
  return img;
}

/** inode: read, change and write back inode ino of img. */
function patchInode(img: Uint8Array, ino: number, fn: (d: ReturnType<typeof readInode>) => void): void {
  const g = readSuper(img);
  const dv = view(img);
  const d = readInode(dv, inodeAt(g, ino));
  fn(d);
  writeInode(dv, inodeAt(g, ino), d);
}

/** entry: byte offset of entry k of directory ino's first block. */
function entryAt(img: Uint8Array, ino: number, k: number): number {
  return readInode(view(img), inodeAt(readSuper(img), ino)).addrs[0] * PAGE_SIZE + k * FS_DIRENT_SIZE;
}

describe("mkfs", () => {
  it("makes an empty file system that fsck calls clean, sized to the image", () => {
    for (const blocks of [MKFS_MIN_BLOCKS, 100, 4096, 40000]) {
      const img = new Uint8Array(blocks * PAGE_SIZE);
      const g = mkfs(img);
      expect(g).toMatchObject({ magic: FS_MAGIC, blocks, logStart: 1, root: 1, clean: 1 });
      const r = fsck(img);
      expect(r.problems, `${blocks} blocks`).toEqual([]);
      expect(r.notes).toEqual([]);
      expect(r.stats).toMatchObject({ files: 0, dirs: 1, inodesUsed: 1, blocksUsed: g.dataStart + 1, blocksFree: blocks - g.dataStart - 1 });
    }
    const g = mkfs(new Uint8Array(2048 * PAGE_SIZE), { inodes: 64, logBlocks: 40 });
    expect(g).toMatchObject({ inodes: 64, inodeBlocks: 2, logBlocks: 40 });
  });

  it("refuses images and options it cannot use, with a ConfigError naming them", () => {
    const bad: [() => unknown, RegExp][] = [
      [() => mkfs(new Uint8Array(5000)), /5000 bytes is not a whole number/],
      [() => mkfs(new Uint8Array(8 * PAGE_SIZE)), /8 blocks is outside 32/],
      [() => mkfs(new Uint8Array(64 * PAGE_SIZE), { inodes: 33 }), /inodes must be a multiple of 32/],
      [() => mkfs(new Uint8Array(64 * PAGE_SIZE), { logBlocks: 3 }), /logBlocks must be an integer in 14/],
      [() => mkfs(new Uint8Array(64 * PAGE_SIZE), { inodes: 2048 }), /leave no room for data/],
      [() => mkfs(new Uint8Array(64 * PAGE_SIZE), { size: 1 } as never), /unknown option "size"/],
      [() => mkfs([1, 2] as never), /must be a Uint8Array/],
    ];
    for (const [fn, msg] of bad) {
      expect(fn).toThrow(ConfigError);
      expect(fn).toThrow(msg);
    }
  });
});

describe("fsck", () => {
  it("calls a kernel-made image clean and counts what it holds", () => {
    const r = fsck(populated);
    expect(r.problems).toEqual([]);
    expect(r.stats).toMatchObject({ files: 2, dirs: 3, inodesUsed: 5 });
  });

  it("names every kind of damage", () => {
    const g = readSuper(populated);
    const aIno = 2; // inode numbers in creation order: / 1, /a 2, /d 3, /d/b 4, /d/e 5
    const aBlock = readInode(view(populated), inodeAt(g, aIno)).addrs[0];
    const cases: [string, Uint8Array, RegExp][] = [
      ["magic", damaged((_, dv) => dv.setUint32(FsSuper.MAGIC, 0x1234, true)), /bad magic 0x1234/],
      ["version", damaged((_, dv) => dv.setUint32(FsSuper.VERSION, 2, true)), /version 2/],
      ["size", damaged((_, dv) => dv.setUint32(FsSuper.BLOCKS, 5000, true)), /superblock says 5000 blocks, the image has 1024/],
      ["geometry", damaged((_, dv) => dv.setUint32(FsSuper.DATA_START, 7, true)), /data area does not follow the inode table/],
      ["log header", damaged((_, dv) => dv.setUint32(g.logStart * PAGE_SIZE, 9999, true)), /log header names 9999 blocks/],
      ["log entry", damaged((_, dv) => { dv.setUint32(g.logStart * PAGE_SIZE, 1, true); dv.setUint32(g.logStart * PAGE_SIZE + 4, 2, true); }), /log entry 0 names block 2/],
      ["bitmap free", damaged((img) => { img[g.bitmapStart * PAGE_SIZE + (aBlock >> 3)] &= ~(1 << (aBlock & 7)); }), new RegExp(`block ${aBlock} is used by inode 2 but marked free`)],
      ["bitmap leak", damaged((img) => { img[g.bitmapStart * PAGE_SIZE + 100] = 0xff; }), /block 800 is marked in use but nothing uses it \(leaked\)/],
      ["twice", damaged((img) => patchInode(img, 4, (d) => { d.addrs[0] = aBlock; })), new RegExp(`block ${aBlock} is used twice: by inode 2 and inode 4`)],
      ["links", damaged((img) => patchInode(img, aIno, (d) => { d.links = 5; })), /inode 2: links 5 but 1 directory entries name it/],
      ["dir links", damaged((img) => patchInode(img, 3, (d) => { d.links = 2; })), /inode 3: links 2 but 3 directory entries name it/],
      ["beyond the end", damaged((img) => patchInode(img, aIno, (d) => { d.size = 10; })), /holds page 1, beyond the end of the file \(size 10\)/],
      ["nblocks", damaged((img) => patchInode(img, aIno, (d) => { d.nblocks = 9; })), /inode 2: nblocks 9 but it owns 3 blocks/],
      ["outside", damaged((img) => patchInode(img, aIno, (d) => { d.addrs[1] = 3; })), /direct\[1\] = 3 is outside the data area/],
      ["type", damaged((img) => patchInode(img, aIno, (d) => { d.type = 7; })), /inode 2: unknown type 7/],
      ["dir size", damaged((img) => patchInode(img, 3, (d) => { d.size = 100; })), /directory 3: size 100 is not a whole number of entries/],
      ["free inode", damaged((img, dv) => dv.setUint32(entryAt(img, 1, 2), 30, true)), /entry "a": names free inode 30/],
      ["range", damaged((img, dv) => dv.setUint32(entryAt(img, 1, 2), 999_999, true)), /names inode 999999, beyond the 128 inodes/],
      ["no dot", damaged((img, dv) => dv.setUint32(entryAt(img, 3, 0), 0, true)), /directory 3 has no "\." entry/],
      ["dotdot", damaged((img, dv) => dv.setUint32(entryAt(img, 5, 1), 2, true)), /entry "\.\.": names inode 2, not its parent 3/],
      ["slash", damaged((img) => { img[entryAt(img, 1, 2) + 5] = 0x2f; }), /entry "a\/": name holds "\/"/],
      ["duplicate", damaged((img) => { img[entryAt(img, 1, 3) + 4] = 0x61; }), /entry "a": name appears twice/],
      ["lost", damaged((img) => patchInode(img, 40, (d) => { d.type = FsType.FILE; d.links = 1; })), /inode 40 is allocated but no directory names it \(lost\)/],
      ["root", damaged((img) => patchInode(img, 1, (d) => { d.type = FsType.FILE; })), /root inode 1 is not an allocated directory/],
      ["two parents", damaged((img, dv) => dv.setUint32(entryAt(img, 1, 2), 5, true)), /directory 5 is reachable from two places/],
    ];
    for (const [what, img, msg] of cases) {
      const r = fsck(img);
      expect(r.clean, what).toBe(false);
      expect(r.problems.join("\n"), what).toMatch(msg);
    }
  });

  it("checks the image as mount will see it: a committed log is replayed first", () => {
    const g = readSuper(populated);
    const a = readInode(view(populated), inodeAt(g, 2));
    // A committed transaction that marks /a 1 byte long and frees its last two blocks ...
    const img = populated.slice();
    const inodeBlock = g.inodeStart;
    const bitmapBlock = g.bitmapStart;
    const logged = [inodeBlock, bitmapBlock].map((b) => img.slice(b * PAGE_SIZE, (b + 1) * PAGE_SIZE));
    const dvI = new DataView(logged[0].buffer);
    const at = inodeAt(g, 2) - inodeBlock * PAGE_SIZE;
    writeInode(dvI, at, { ...a, size: 1, nblocks: 1, addrs: [a.addrs[0], 0, 0, ...a.addrs.slice(3)] });
    for (const b of [a.addrs[1], a.addrs[2]]) logged[1][b >> 3] &= ~(1 << (b & 7));
    logged.forEach((blk, i) => img.set(blk, (g.logStart + 1 + i) * PAGE_SIZE));
    const dv = view(img);
    dv.setUint32(g.logStart * PAGE_SIZE, 2, true);
    dv.setUint32(g.logStart * PAGE_SIZE + 4, inodeBlock, true);
    dv.setUint32(g.logStart * PAGE_SIZE + 8, bitmapBlock, true);
    // ... the home blocks still say otherwise, and fsck judges the replayed result: clean.
    const r = fsck(img);
    expect(r.problems).toEqual([]);
    expect(r.notes.join()).toMatch(/committed transaction of 2 blocks; mount replays it/);
    // Half a transaction (only the inode block logged) would be damage, and is reported.
    dv.setUint32(g.logStart * PAGE_SIZE, 1, true);
    expect(fsck(img).problems.join("\n")).toMatch(/marked in use but nothing uses it/);
  });

  it("never throws on garbage: random flips, random blocks, odd sizes (seeded fuzz)", () => {
    const rng = new Rng(2026);
    const g = readSuper(populated);
    const meta = (g.dataStart + 20) * PAGE_SIZE;
    let damagedCount = 0;
    for (let i = 0; i < 400; i++) {
      const img = populated.slice();
      const flips = 1 + rng.below(i % 10 === 0 ? 400 : 12);
      for (let k = 0; k < flips; k++) img[rng.below(meta)] ^= 1 << rng.below(8);
      if (i % 7 === 0) for (let k = 0; k < PAGE_SIZE; k++) img[(g.dataStart + rng.below(20)) * PAGE_SIZE + k] = rng.below(256);
      let r;
      expect(() => (r = fsck(img)), `iteration ${i}`).not.toThrow();
      expect(typeof r!.clean).toBe("boolean");
      if (!r!.clean) damagedCount++;
    }
    expect(damagedCount).toBeGreaterThan(100);
    for (const len of [0, 1, 4095, 4097, PAGE_SIZE, 3 * PAGE_SIZE]) {
      const junk = new Uint8Array(len).map(() => rng.below(256));
      expect(fsck(junk).clean).toBe(false);
    }
    // A plausible superblock over garbage everywhere else.
    const junk = new Uint8Array(1024 * PAGE_SIZE).map(() => rng.below(256));
    junk.set(populated.subarray(0, PAGE_SIZE));
    expect(() => fsck(junk)).not.toThrow();
    expect(fsck(junk).clean).toBe(false);
    expect(fsck("not an image" as never).problems).toEqual(["the image is not a byte array"]);
  });

  it("the kernel never panics on a damaged image: it refuses it, or fails the calls that meet the damage", async () => {
    const rng = new Rng(99);
    const g = readSuper(populated);
    let mounted = 0;
    for (let i = 0; i < 40; i++) {
      const img = populated.slice();
      for (let k = 0; k < 30; k++) {
        const b = [0, g.inodeStart, g.bitmapStart, g.dataStart, g.dataStart + 1, g.dataStart + 5][rng.below(6)];
        img[b * PAGE_SIZE + rng.below(i % 2 ? 256 : PAGE_SIZE)] ^= 1 << rng.below(8);
      }
      let m;
      try {
        const booted = await fsMachine({ image: img });
        m = booted.m;
        mounted++;
        const p = booted.p;
        for (const op of [
          () => p.readdir(p.open("/")),
          () => p.readFile("/a"),
          () => p.readFile("/d/b"),
          () => p.writeFile("/d/new", pattern(9000, 1)),
          () => p.unlink("/a"),
          () => p.mkdir("/d/e/f"),
          () => p.writeFile("/d/b", pattern(100, 2), { fsync: true }),
        ]) {
          try {
            op();
          } catch (e) {
            if (e instanceof KernelPanic) throw e;
            expect(e, `image ${i}`).toBeInstanceOf(SyscallError);
          }
        }
      } catch (e) {
        if (e instanceof KernelPanic) throw e;
        expect(e, `image ${i}`).toBeInstanceOf(SyscallError); // refused at mount
      }
      void m;
    }
    expect(mounted).toBeGreaterThan(0);
  }, 60_000);
});

describe("genie mkfs and fsck", () => {
  const cli = join(root, "build", "cli", "genie.mjs");
  const genie = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  beforeAll(() => {
    const r = spawnSync(process.execPath, [join(root, "tools", "build", "build.mjs")], { cwd: root, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`building the CLI failed:\n${r.stderr}`);
  });

  it("makes an image, calls it clean (0), calls a damaged one damaged (1), and a bad command line 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "genie-fs-"));
    try {
      const path = join(dir, "disk.img");
      let r = genie("mkfs", path, "--size", "4M");
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/1024 blocks of 4 KiB \(4 MiB\), 128 inodes/);
      expect(readFileSync(path).length).toBe(4 << 20);
      r = genie("fsck", path);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/clean/);
      const img = new Uint8Array(readFileSync(path));
      img[readSuper(img).bitmapStart * PAGE_SIZE + 60] = 0xff;
      writeFileSync(path, img);
      r = genie("fsck", path);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/damaged: 8 problem\(s\)/);
      expect(r.stdout).toMatch(/problem: block 480 is marked in use but nothing uses it \(leaked\)/);
      r = genie("fsck", path, "--json");
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ clean: false });
      r = genie("mkfs", path, "--inodes", "64"); // an existing file is not overwritten without --force
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`genie: mkfs: ${path} exists; --force overwrites it (a new, empty file system)\n`);
      expect(genie("fsck", path).status).toBe(1); // still the damaged image
      r = genie("mkfs", path, "--inodes", "64", "--force"); // the existing file, size kept
      expect(r.status).toBe(0);
      expect(readFileSync(path).length).toBe(4 << 20);
      expect(genie("fsck", path).status).toBe(0);
      writeFileSync(join(dir, "junk.img"), new Uint8Array(12345));
      r = genie("fsck", join(dir, "junk.img"));
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/12345 bytes, not a whole non-zero number/);
      expect(genie("fsck").status).toBe(2);
      expect(genie("fsck", join(dir, "none.img")).status).toBe(2);
      expect(genie("fsck", path, "--bogus").status).toBe(2);
      expect(genie("mkfs", join(dir, "x.img"), "--size", "lots").status).toBe(2);
      expect(genie("mkfs", join(dir, "y.img")).stderr).toMatch(/does not exist; give its size/);
      expect(existsSync(join(dir, "y.img"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
