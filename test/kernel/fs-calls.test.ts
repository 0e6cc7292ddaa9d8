// The file-system calls one by one (kernel/sysfs.ts): what each does, and the error each bad
// argument gets. Every machine is checked for the kernel invariants after its test.

import { describe, expect, it } from "vitest";
import {
  Disk, Errno, FS_DIRENT_SIZE, FS_NAME_MAX, fsck, MemoryStore, mkfs, OpenFlag, PAGE_SIZE, Seek, Sem, Sys, SyscallError,
  type Process,
} from "../../tools/host/index";
import { expectBytes, machine, pattern } from "./machines";
import { fsMachine } from "./fs-helpers";


const small = { blocks: 4096 }; // 16 MiB disks

/** code: the errno name a call fails with ("" if it does not fail). */
function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SyscallError) return e.code;
    throw e;
  }
  return "";
}

/** put: bytes into a fresh buffer of p; its address. */
function put(p: Process, bytes: Uint8Array): number {
  const va = p.mmap(Math.max(bytes.length, 1));
  p.store(va, bytes);
  return va;
}

/** path: a path string in p's memory; [va, len]. */
function pathIn(p: Process, s: string): [number, number] {
  const b = new TextEncoder().encode(s);
  return [put(p, b), b.length];
}

describe("open and close", () => {
  it("creates a file, finds it again, and refuses what does not fit", async () => {
    const { p } = await fsMachine(small);
    const fd = p.open("/a", { write: true, create: true });
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(p.fstat(fd)).toMatchObject({ type: "file", links: 1, size: 0, nblocks: 0 });
    p.close(fd);
    expect(p.stat("a").ino).toBe(p.stat("/a").ino); // leading "/" optional
    expect(p.stat("//a").ino).toBe(p.stat("/a").ino);
    expect(code(() => p.open("/a", { write: true, create: true, excl: true }))).toBe("EEXIST");
    expect(code(() => p.open("/missing"))).toBe("ENOENT");
    expect(code(() => p.open("/nodir/x", { create: true, write: true }))).toBe("ENOENT");
    expect(code(() => p.open("/a/x"))).toBe("ENOTDIR");
    expect(code(() => p.open("/a/x", { create: true, write: true }))).toBe("ENOTDIR");
    expect(code(() => p.open("/a/"))).toBe("ENOTDIR");
    expect(code(() => p.open("/", { write: true }))).toBe("EISDIR");
    expect(code(() => p.open("/", { create: true }))).toBe("EISDIR");
    expect(code(() => p.open("/" + "n".repeat(FS_NAME_MAX + 1), { create: true, write: true }))).toBe("ENAMETOOLONG");
    expect(code(() => p.open("/" + "n".repeat(FS_NAME_MAX), { create: true, write: true }))).toBe("");
    expect(code(() => p.open("/x/".repeat(400)))).toBe("ENAMETOOLONG"); // 1200 bytes > FS_PATH_MAX
    expect(code(() => p.open(""))).toBe("ENOENT");
    expect(code(() => p.open("/a", 0x4000))).toBe("EINVAL"); // unknown flag
    expect(code(() => p.open("/a", OpenFlag.ACCMODE))).toBe("EINVAL");
    expect(p.syscall(Sys.OPEN, 0x100, 2, 0)).toBe(-Errno.EFAULT); // below user space
    expect(p.syscall(Sys.OPEN, 0x50000000, 2, 0)).toBe(-Errno.EFAULT); // nothing mapped there
    const [va, len] = pathIn(p, "/a\0b");
    expect(p.syscall(Sys.OPEN, va, len, 0)).toBe(-Errno.EINVAL); // NUL in a path
    expect(p.alive).toBe(true);
  });

  it("O_TRUNC empties a file; a table of 32 descriptors is full at the 33rd", async () => {
    const { p } = await fsMachine(small);
    p.writeFile("/t", pattern(10000, 1));
    expect(p.stat("/t")).toMatchObject({ size: 10000, nblocks: 3 });
    const fd = p.open("/t", { write: true, trunc: true });
    expect(p.fstat(fd)).toMatchObject({ size: 0, nblocks: 0 });
    p.close(fd);
    const fds: number[] = [];
    for (let i = 0; i < 32; i++) fds.push(p.open("/t"));
    expect(code(() => p.open("/t"))).toBe("EMFILE");
    expect(code(() => p.open("/new", { create: true, write: true }))).toBe("EMFILE");
    expect(code(() => p.stat("/new"))).toBe("ENOENT"); // refused before anything changed
    for (const fd of fds) p.close(fd);
    expect(code(() => p.close(fds[0]))).toBe("EBADF");
  });

  it("a child shares the parent's open file and its offset", async () => {
    const { p } = await fsMachine(small);
    const fd = p.open("/s", { write: true, read: true, create: true });
    const va = put(p, pattern(100, 4));
    p.write(fd, va, 60);
    const c = p.fork();
    c.write(fd, va + 60, 40);
    expect(p.lseek(fd, 0, Seek.CUR)).toBe(100);
    c.exit();
    p.lseek(fd, 0);
    const out = p.mmap(100);
    expect(p.read(fd, out, 100)).toBe(100);
    expect(p.load(out, 100)).toEqual(pattern(100, 4));
  });
});

describe("read and write", () => {
  it("move bytes at the offset, across page boundaries and at odd offsets, copying them", async () => {
    const { m, p } = await fsMachine(small);
    const fd = p.open("/f", { read: true, write: true, create: true });
    const data = pattern(3 * PAGE_SIZE + 123, 9);
    const va = put(p, data);
    const c0 = m.counters();
    expect(p.write(fd, va + 1, 5000)).toBe(5000);
    expect(p.write(fd, va + 5001, data.length - 5001)).toBe(data.length - 5001);
    expect(m.counters().bytesCopied - c0.bytesCopied).toBe(data.length - 1); // copyin, byte for byte
    expect(p.fstat(fd).size).toBe(data.length - 1);
    p.lseek(fd, 4095);
    const out = p.mmap(8192);
    expect(p.read(fd, out, 4098)).toBe(4098);
    expect(p.load(out, 4098)).toEqual(data.subarray(4096, 4096 + 4098));
    expect(p.lseek(fd, 0, Seek.CUR)).toBe(4095 + 4098);
    p.lseek(fd, data.length - 10);
    expect(p.read(fd, out, 100)).toBe(9); // up to the end
    expect(p.read(fd, out, 100)).toBe(0); // at the end
    expect(p.syscall(Sys.READ, fd, out, 0, 0)).toBe(0);
    expect(p.syscall(Sys.WRITE, fd, out, 0, 0)).toBe(0);
  });

  it("a write past the end leaves a hole that reads as zeroes and owns no block", async () => {
    const { p } = await fsMachine(small);
    const fd = p.open("/h", { read: true, write: true, create: true });
    const va = put(p, pattern(10, 2));
    p.lseek(fd, 5 * PAGE_SIZE + 7);
    p.write(fd, va, 10);
    expect(p.fstat(fd)).toMatchObject({ size: 5 * PAGE_SIZE + 17, nblocks: 1 });
    p.lseek(fd, 0);
    const out = p.mmap(6 * PAGE_SIZE);
    expect(p.read(fd, out, 6 * PAGE_SIZE)).toBe(5 * PAGE_SIZE + 17);
    const got = p.load(out, 5 * PAGE_SIZE + 17);
    expect(got.subarray(0, 5 * PAGE_SIZE + 7)).toEqual(new Uint8Array(5 * PAGE_SIZE + 7));
    expect(got.subarray(5 * PAGE_SIZE + 7)).toEqual(pattern(10, 2));
  });

  it("bad descriptors, buffers, flags and semantics get their errors; nothing changes", async () => {
    const { p } = await fsMachine(small);
    p.writeFile("/r", pattern(100, 3));
    const ro = p.open("/r");
    const wo = p.open("/r", { write: true });
    const dir = p.open("/");
    const sock = p.socket();
    const va = p.mmap(PAGE_SIZE);
    expect(p.syscall(Sys.WRITE, ro, va, 10, 0)).toBe(-Errno.EBADF);
    expect(p.syscall(Sys.READ, wo, va, 10, 0)).toBe(-Errno.EBADF);
    expect(p.syscall(Sys.READ, 17, va, 10, 0)).toBe(-Errno.EBADF);
    expect(p.syscall(Sys.READ, -1, va, 10, 0)).toBe(-Errno.EBADF);
    expect(p.syscall(Sys.READ, sock, va, 10, 0)).toBe(-Errno.EINVAL);
    expect(p.syscall(Sys.READ, dir, va, 10, 0)).toBe(-Errno.EISDIR);
    expect(p.syscall(Sys.READ, ro, 0x100, 10, 0)).toBe(-Errno.EFAULT);
    expect(p.syscall(Sys.WRITE, wo, 0x7fff0000 - 4, 10, 0)).toBe(-Errno.EFAULT);
    expect(p.syscall(Sys.WRITE, wo, 0x50000000, 10, 0)).toBe(-Errno.EFAULT); // in range, unmapped
    expect(p.syscall(Sys.READ, ro, va, 10, 0x100)).toBe(-Errno.EINVAL);
    expect(p.syscall(Sys.READ, ro, va, 10, 15)).toBe(-Errno.EINVAL);
    for (const sem of [Sem.SHARE, Sem.EMULATED_SHARE, Sem.MOVE, Sem.EMULATED_WEAK_MOVE]) { // files take copy and emulated copy
      expect(p.syscall(Sys.READ, ro, va, 10, sem)).toBe(-Errno.EOPNOTSUPP);
      expect(p.syscall(Sys.WRITE, wo, va, 10, sem)).toBe(-Errno.EOPNOTSUPP);
    }
    expect(p.syscall(Sys.READ, ro, va, 10, Sem.COPY)).toBe(10);
    expect(p.readFile("/r")).toEqual(pattern(100, 3));
    expect(p.alive).toBe(true);
  });
});

describe("lseek and ftruncate", () => {
  it("lseek sets, moves and ends; negative and unknown are EINVAL; a socket is ESPIPE", async () => {
    const { p } = await fsMachine(small);
    p.writeFile("/l", pattern(1000, 1));
    const fd = p.open("/l");
    expect(p.lseek(fd, 10)).toBe(10);
    expect(p.lseek(fd, 5, Seek.CUR)).toBe(15);
    expect(p.lseek(fd, -1, Seek.END)).toBe(999);
    expect(p.lseek(fd, 3 * 2 ** 30)).toBe(3 * 2 ** 30); // 64-bit offsets
    expect(code(() => p.lseek(fd, -1))).toBe("EINVAL");
    expect(code(() => p.lseek(fd, -2000, Seek.END))).toBe("EINVAL");
    expect(code(() => p.lseek(fd, 0, 3 as Seek))).toBe("EINVAL");
    expect(code(() => p.lseek(fd, 2 ** 40))).toBe("EINVAL"); // beyond the largest file
    expect(code(() => p.lseek(p.socket(), 0))).toBe("ESPIPE");
    expect(code(() => p.lseek(20, 0))).toBe("EBADF");
  });

  it("ftruncate shrinks (freeing blocks, zeroing the tail) and grows (a hole)", async () => {
    const { p } = await fsMachine(small);
    p.writeFile("/t", pattern(5 * PAGE_SIZE, 6));
    const fd = p.open("/t", { read: true, write: true });
    p.ftruncate(fd, PAGE_SIZE + 100);
    expect(p.fstat(fd)).toMatchObject({ size: PAGE_SIZE + 100, nblocks: 2 });
    p.ftruncate(fd, 3 * PAGE_SIZE);
    expect(p.fstat(fd)).toMatchObject({ size: 3 * PAGE_SIZE, nblocks: 2 });
    const out = p.mmap(3 * PAGE_SIZE);
    expect(p.read(fd, out, 3 * PAGE_SIZE)).toBe(3 * PAGE_SIZE);
    const got = p.load(out, 3 * PAGE_SIZE);
    expect(got.subarray(0, PAGE_SIZE + 100)).toEqual(pattern(5 * PAGE_SIZE, 6).subarray(0, PAGE_SIZE + 100));
    expect(got.subarray(PAGE_SIZE + 100)).toEqual(new Uint8Array(2 * PAGE_SIZE - 100)); // the old bytes are gone
    p.ftruncate(fd, 0);
    expect(p.fstat(fd)).toMatchObject({ size: 0, nblocks: 0 });
    const ro = p.open("/t");
    expect(code(() => p.ftruncate(ro, 0))).toBe("EBADF");
    expect(code(() => p.ftruncate(fd, -1))).toBe("EINVAL");
    expect(code(() => p.ftruncate(fd, 2 ** 42))).toBe("EFBIG");
    expect(code(() => p.ftruncate(p.socket(), 0))).toBe("EINVAL");
  });
});

describe("directories", () => {
  it("mkdir nests; readdir lists . and .. and every name; stat tells files from directories", async () => {
    const { p } = await fsMachine(small);
    p.mkdir("/a");
    p.mkdir("/a/b");
    p.mkdir("a/b/c/");
    p.writeFile("/a/b/c/f", pattern(10, 1));
    expect(p.stat("/a/b/c/./../c/f")).toMatchObject({ type: "file", size: 10 });
    expect(p.stat("/a/..")).toEqual(p.stat("/"));
    expect(p.stat("/..")).toEqual(p.stat("/"));
    expect(p.stat("/a")).toMatchObject({ type: "dir", links: 3, size: 3 * FS_DIRENT_SIZE });
    expect(p.stat("/")).toMatchObject({ links: 3 });
    const fd = p.open("/a/b");
    const names = p.readdir(fd).map((e) => e.name);
    expect(names).toEqual([".", "..", "c"]);
    expect(p.readdir(fd)).toEqual([]); // the offset is at the end
    p.lseek(fd, 0);
    expect(p.readdir(fd)[0]).toEqual({ ino: p.stat("/a/b").ino, name: "." });
    expect(code(() => p.mkdir("/a"))).toBe("EEXIST");
    expect(code(() => p.mkdir("/"))).toBe("EEXIST");
    expect(code(() => p.mkdir("/a/b/c/f/g"))).toBe("ENOTDIR");
    expect(code(() => p.mkdir("/x/y"))).toBe("ENOENT");
    expect(code(() => p.mkdir("/" + "d".repeat(60)))).toBe("ENAMETOOLONG");
    const file = p.open("/a/b/c/f");
    expect(code(() => p.readdir(file))).toBe("ENOTDIR");
    expect(p.syscall(Sys.READDIR, fd, p.mmap(PAGE_SIZE), FS_DIRENT_SIZE - 1)).toBe(-Errno.EINVAL);
    expect(p.syscall(Sys.READDIR, fd, 0x100, PAGE_SIZE)).toBe(-Errno.EFAULT);
    expect(p.syscall(Sys.READDIR, 9, 0x10000, PAGE_SIZE)).toBe(-Errno.EBADF);
  });

  it("a directory of 300 names spans pages; names removed free slots that new names reuse", async () => {
    const { p } = await fsMachine(small);
    p.mkdir("/d");
    for (let i = 0; i < 300; i++) p.close(p.open(`/d/file-${i}`, { create: true, write: true }));
    const fd = p.open("/d");
    const names = p.readdir(fd).map((e) => e.name);
    expect(names.length).toBe(302);
    expect(new Set(names)).toEqual(new Set([".", "..", ...Array.from({ length: 300 }, (_, i) => `file-${i}`)]));
    const size = p.stat("/d").size;
    expect(size).toBe(302 * FS_DIRENT_SIZE); // 5 pages
    for (let i = 0; i < 300; i += 2) p.unlink(`/d/file-${i}`);
    for (let i = 0; i < 150; i++) p.close(p.open(`/d/new-${i}`, { create: true, write: true }));
    expect(p.stat("/d").size).toBe(size); // the freed slots were reused
    p.lseek(fd, 0);
    expect(p.readdir(fd).length).toBe(302);
  });

  it("unlink removes files and empty directories, and refuses the rest", async () => {
    const { p } = await fsMachine(small);
    p.mkdir("/d");
    p.writeFile("/d/f", pattern(5000, 1));
    expect(code(() => p.unlink("/d"))).toBe("ENOTEMPTY");
    expect(code(() => p.unlink("/d/f/"))).toBe("ENOTDIR");
    expect(code(() => p.unlink("/d/."))).toBe("EINVAL");
    expect(code(() => p.unlink("/d/.."))).toBe("EINVAL");
    expect(code(() => p.unlink("/"))).toBe("EBUSY");
    expect(code(() => p.unlink("/d/none"))).toBe("ENOENT");
    p.unlink("/d/f");
    expect(code(() => p.stat("/d/f"))).toBe("ENOENT");
    expect(p.stat("/").links).toBe(3);
    p.unlink("/d");
    expect(p.stat("/").links).toBe(2);
    expect(code(() => p.stat("/d"))).toBe("ENOENT");
  });

  it("a file unlinked while open stays readable until its last close, then its blocks are freed", async () => {
    const { m, p, store } = await fsMachine(small);
    const data = pattern(3 * PAGE_SIZE, 8);
    p.writeFile("/gone", data);
    const fd = p.open("/gone");
    p.unlink("/gone");
    expect(code(() => p.stat("/gone"))).toBe("ENOENT");
    expect(p.fstat(fd)).toMatchObject({ links: 0, size: data.length });
    const out = p.mmap(data.length);
    expect(p.read(fd, out, data.length)).toBe(data.length);
    expectBytes(p.load(out, data.length), data);
    p.close(fd);
    p.stat("/"); // the next call frees it
    m.unmount();
    const r = fsck(store.image);
    expect(r.problems).toEqual([]);
    expect(r.stats).toMatchObject({ files: 0, dirs: 1 });
  });

  it("stat and fstat report the inode; a bad result address is EFAULT", async () => {
    const { p } = await fsMachine(small);
    p.writeFile("/s", pattern(PAGE_SIZE + 1, 1));
    const st = p.stat("/s");
    expect(st).toMatchObject({ type: "file", links: 1, size: PAGE_SIZE + 1, nblocks: 2 });
    expect(p.fstat(p.open("/s"))).toEqual(st);
    const [va, len] = pathIn(p, "/s");
    expect(p.syscall(Sys.STAT, va, len, 0x100)).toBe(-Errno.EFAULT);
    expect(p.syscall(Sys.FSTAT, 30, 0x10000)).toBe(-Errno.EBADF);
    expect(p.syscall(Sys.FSTAT, p.socket(), 0x10000)).toBe(-Errno.EINVAL);
    expect(code(() => p.stat("/nope"))).toBe("ENOENT");
    expect(code(() => p.fsync(31))).toBe("EBADF");
  });
});

describe("mount", () => {
  it("nothing mounted: every file call is ENODEV", async () => {
    const m = await machine({ disk: new Disk({ blocks: 64 }) });
    const p = m.spawn();
    const [va, len] = pathIn(p, "/a");
    expect(p.syscall(Sys.OPEN, va, len, 0)).toBe(-Errno.ENODEV);
    expect(p.syscall(Sys.MKDIR, va, len)).toBe(-Errno.ENODEV);
    expect(() => m.unmount()).toThrow(/nothing is mounted/);
    const bare = await machine();
    expect(() => bare.mount()).toThrow(/no disk attached/);
  });

  it("a foreign or damaged image is refused with its reason, and never written", async () => {
    const cases: [string, (img: Uint8Array) => void, RegExp][] = [
      ["zeroes", (img) => img.fill(0), /bad magic 0x0 \(not a Genie file system/],
      ["version", (img) => new DataView(img.buffer).setUint32(4, 9, true), /version 9 \(this kernel reads version 1\)/],
      ["size", (img) => new DataView(img.buffer).setUint32(8, 99999, true), /superblock says 99999 blocks, the disk has 1024/],
      ["bitmap", (img) => new DataView(img.buffer).setUint32(28, 7, true), /bitmap of 7 blocks/],
      ["log", (img) => new DataView(img.buffer).setUint32(4096, 5000, true), /log header names 5000 blocks/],
      ["root", (img) => new DataView(img.buffer).setUint32(44, 5, true), /root inode 5 is free or unreadable/],
    ];
    for (const [what, damage, msg] of cases) {
      const img = new Uint8Array(1024 * 4096);
      mkfs(img);
      damage(img);
      const store = new MemoryStore(img);
      const disk = new Disk({ store });
      const m = await machine({ disk });
      expect(() => m.mount(), what).toThrow(msg);
      expect(disk.stats.writes, what).toBe(0);
      expectBytes(store.image, img, what);
      expect(m.fsInfo().mounted).toBe(0);
    }
  });

  it("read-only: reads work, every change is EROFS, and the image is never written", async () => {
    const img = new Uint8Array(4096 * 4096);
    mkfs(img);
    const { m, p, store } = await fsMachine({ image: img });
    p.mkdir("/d");
    p.writeFile("/d/f", pattern(100, 5), { fsync: true });
    m.unmount();
    const before = store.image.slice();
    const { m: m2, p: q, disk } = await fsMachine({ image: before, readOnly: true });
    expect(m2.fsInfo().readonly).toBe(1);
    expect(q.readFile("/d/f")).toEqual(pattern(100, 5));
    expect(code(() => q.open("/d/f", { write: true }))).toBe("EROFS");
    expect(code(() => q.open("/d/f", { trunc: true }))).toBe("EROFS");
    expect(code(() => q.open("/d/g", { create: true }))).toBe("EROFS");
    expect(code(() => q.mkdir("/e"))).toBe("EROFS");
    expect(code(() => q.unlink("/d/f"))).toBe("EROFS");
    q.fsync(q.open("/d/f"));
    expect(disk.stats.writes).toBe(0);
  });

  it("mounting twice is EBUSY; unmount with files open is EBUSY; unmount marks the image clean", async () => {
    const { m, p, store } = await fsMachine(small);
    expect(() => m.mount()).toThrow(/already mounted/);
    const fd = p.open("/o", { create: true, write: true });
    expect(() => m.unmount()).toThrow(/is open/);
    p.close(fd);
    m.unmount();
    const r = fsck(store.image);
    expect(r.clean).toBe(true);
    expect(r.notes).toEqual([]); // clean flag set
    m.mount();
    expect(p.stat("/o").type).toBe("file");
  });
});
