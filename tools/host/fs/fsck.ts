// tools/host/fs/fsck.ts — check a file-system image and report every inconsistency found.
//
// fsck(image) never throws, whatever the bytes: it reports. Steps:
//   1. the superblock: magic, version, geometry (nothing else can be trusted without it)
//   2. the log: a committed transaction (header n > 0) is what mount will replay, so it is
//      applied to a copy and the rest of the check looks at the result
//   3. every inode: type, size, block pointers inside the data area, no block owned twice, no
//      block past the end of the file, nblocks = the blocks it owns
//   4. the directory tree from the root: entry names, entries naming free or out-of-range inodes,
//      "." and "..", directories reachable twice; link counts = entries naming each inode;
//      allocated inodes no directory names
//   5. the bitmap: every block in use exactly when metadata or owned by an inode

import {
  FS_DIRENT_SIZE, FS_LOG_MAX, FS_MAX_PAGES, FS_NAME_MAX, FS_NDIRECT, FS_NINDIRECT, FsType,
} from "../../../base/abi";
import { BLOCK, type DiskInode, type Geometry, geometryProblems, inodeAt, readInode, readSuper, view } from "./layout";

export interface FsckReport {
  /** True when no problem was found. */
  clean: boolean;
  /** Every inconsistency found (at most maxProblems; the last line says how many more). */
  problems: string[];
  /** Facts worth knowing that are not damage (a log to replay, not cleanly unmounted). */
  notes: string[];
  /** The superblock, when it could be read. */
  geometry?: Geometry;
  stats: { files: number; dirs: number; inodesUsed: number; blocksUsed: number; blocksFree: number };
}

export interface FsckOptions {
  /** Stop listing problems after this many (default 1000). */
  maxProblems?: number;
}

/** The largest directory (as the kernel's fs/inode.ts DIR_MAX): 262144 entries. */
const DIR_MAX = 16 << 20;

/** fsck: check a file-system image (a Uint8Array of whole 4 KiB blocks). */
export function fsck(image: Uint8Array, opts: FsckOptions = {}): FsckReport {
  const max = opts.maxProblems ?? 1000;
  const problems: string[] = [];
  let dropped = 0;
  const bad = (msg: string) => {
    if (problems.length < max) problems.push(msg);
    else dropped++;
  };
  const notes: string[] = [];
  const stats = { files: 0, dirs: 0, inodesUsed: 0, blocksUsed: 0, blocksFree: 0 };
  const report = (g?: Geometry): FsckReport => {
    if (dropped) problems.push(`... and ${dropped} more`);
    return { clean: problems.length === 0, problems, notes, geometry: g, stats };
  };
  if (!(image instanceof Uint8Array)) {
    bad("the image is not a byte array");
    return report();
  }
  if (image.length === 0 || image.length % BLOCK !== 0) {
    bad(`the image is ${image.length} bytes, not a whole non-zero number of ${BLOCK}-byte blocks`);
    return report();
  }
  const g = readSuper(image);
  const geo = geometryProblems(g, image.length / BLOCK);
  if (geo.length) {
    geo.forEach(bad);
    return report(g);
  }
  if (g.clean !== 1) notes.push(g.clean === 0 ? "not cleanly unmounted (still mounted, or a crash): the log keeps it consistent" : `clean flag is ${g.clean} (want 0 or 1)`);

  // 2. The log.
  let img = image;
  {
    const dv = view(image);
    const n = dv.getUint32(g.logStart * BLOCK, true);
    if (n > g.logBlocks - 1 || n > FS_LOG_MAX) bad(`the log header names ${n} blocks; the log holds ${g.logBlocks - 1}`);
    else if (n > 0) {
      const homes: number[] = [];
      for (let i = 0; i < n; i++) {
        const b = dv.getUint32(g.logStart * BLOCK + 4 + 4 * i, true);
        if (b === 0 || b >= g.blocks || (b >= g.logStart && b < g.logStart + g.logBlocks)) bad(`log entry ${i} names block ${b}, which the log may not write`);
        homes.push(b);
      }
      if (problems.length === 0) {
        notes.push(`the log holds a committed transaction of ${n} blocks; mount replays it (checked as replayed)`);
        img = image.slice();
        homes.forEach((b, i) => img.copyWithin(b * BLOCK, (g.logStart + 1 + i) * BLOCK, (g.logStart + 2 + i) * BLOCK));
        new DataView(img.buffer).setUint32(g.logStart * BLOCK, 0, true);
      }
    }
  }
  const dv = view(img);
  const u32 = (b: number, i: number) => dv.getUint32(b * BLOCK + 4 * i, true);
  const inData = (b: number) => b >= g.dataStart && b < g.blocks;

  // 3. Inodes and the blocks they own.
  const owner = new Int32Array(g.blocks); // 0 free, ino, or -1 after a second owner was reported
  const inodes: (DiskInode | null)[] = new Array(g.inodes).fill(null);
  for (let ino = 1; ino < g.inodes; ino++) {
    const d = readInode(dv, inodeAt(g, ino));
    if (d.type === FsType.FREE) continue;
    if (d.type !== FsType.FILE && d.type !== FsType.DIR) {
      bad(`inode ${ino}: unknown type ${d.type}`);
      continue;
    }
    inodes[ino] = d;
    stats.inodesUsed++;
    if (d.type === FsType.DIR) stats.dirs++;
    else stats.files++;
    const pages = Math.ceil(d.size / BLOCK);
    if (d.size > FS_MAX_PAGES * BLOCK) bad(`inode ${ino}: size ${d.size} beyond the largest file`);
    if (d.type === FsType.DIR && d.size % FS_DIRENT_SIZE !== 0) bad(`directory ${ino}: size ${d.size} is not a whole number of entries`);
    if (d.type === FsType.DIR && d.size > DIR_MAX) bad(`directory ${ino}: size ${d.size} is larger than any directory (${DIR_MAX} bytes); its entries are not read`);
    let owned = 0;
    const claim = (b: number, what: string): boolean => {
      if (!inData(b)) {
        bad(`inode ${ino}: ${what} = ${b} is outside the data area (${g.dataStart} .. ${g.blocks - 1})`);
        return false;
      }
      owned++;
      if (owner[b] === 0) owner[b] = ino;
      else {
        bad(`block ${b} is used twice: by inode ${owner[b] === -1 ? "(several)" : owner[b]} and inode ${ino} (${what})`);
        owner[b] = -1;
        return false;
      }
      return true;
    };
    const page = (p: number, b: number, what: string) => {
      if (b === 0) return;
      if (claim(b, what) && p >= pages) bad(`inode ${ino}: ${what} = ${b} holds page ${p}, beyond the end of the file (size ${d.size})`);
    };
    for (let k = 0; k < FS_NDIRECT; k++) page(k, d.addrs[k], `direct[${k}]`);
    const ib = d.addrs[FS_NDIRECT];
    if (ib !== 0 && claim(ib, "indirect")) {
      if (FS_NDIRECT >= pages) bad(`inode ${ino}: indirect block ${ib} lies wholly beyond the end of the file`);
      for (let j = 0; j < FS_NINDIRECT; j++) page(FS_NDIRECT + j, u32(ib, j), `indirect[${j}]`);
    }
    const db = d.addrs[FS_NDIRECT + 1];
    if (db !== 0 && claim(db, "double indirect")) {
      const base = FS_NDIRECT + FS_NINDIRECT;
      if (base >= pages) bad(`inode ${ino}: double-indirect block ${db} lies wholly beyond the end of the file`);
      for (let j = 0; j < FS_NINDIRECT; j++) {
        const c = u32(db, j);
        if (c === 0 || !claim(c, `double indirect[${j}]`)) continue;
        if (base + j * FS_NINDIRECT >= pages) bad(`inode ${ino}: indirect block ${c} (double indirect[${j}]) lies wholly beyond the end of the file`);
        for (let k = 0; k < FS_NINDIRECT; k++) page(base + j * FS_NINDIRECT + k, u32(c, k), `double indirect[${j}][${k}]`);
      }
    }
    if (owned !== d.nblocks) bad(`inode ${ino}: nblocks ${d.nblocks} but it owns ${owned} blocks`);
  }

  // 4. The directory tree.
  const named = new Uint32Array(g.inodes);
  const root = g.root;
  if (!inodes[root] || inodes[root]!.type !== FsType.DIR) bad(`root inode ${root} is not an allocated directory`);
  else {
    const seen = new Set<number>([root]);
    const queue: [number, number][] = [[root, root]];
    named[root]++; // the root's ".." names itself; its "." is counted below
    while (queue.length) {
      const [dir, parent] = queue.shift()!;
      const d = inodes[dir]!;
      const names = new Set<string>();
      let dot = false;
      let dotdot = false;
      const entries = d.size > DIR_MAX ? 0 : Math.floor(d.size / FS_DIRENT_SIZE);
      for (let e = 0; e < entries; e++) {
        const p = Math.floor((e * FS_DIRENT_SIZE) / BLOCK);
        const blk = blockOf(d, p, dv, g);
        if (blk <= 0) {
          if (blk < 0) break; // a bad pointer, already reported
          continue; // a hole holds no entries
        }
        const at = blk * BLOCK + ((e * FS_DIRENT_SIZE) % BLOCK);
        const ino = dv.getUint32(at, true);
        if (ino === 0) continue;
        const raw = img.subarray(at + 4, at + FS_DIRENT_SIZE);
        let len = raw.indexOf(0);
        if (len < 0) len = raw.length;
        const name = String.fromCharCode(...raw.subarray(0, len));
        const where = `directory ${dir} entry ${JSON.stringify(name)}`;
        if (len === 0) bad(`directory ${dir}: entry ${e} has an empty name`);
        else if (len > FS_NAME_MAX) bad(`${where}: name longer than ${FS_NAME_MAX} bytes`);
        if (name.includes("/")) bad(`${where}: name holds "/"`);
        if (raw.subarray(len).some((c) => c !== 0)) bad(`${where}: bytes after the name are not zero`);
        if (names.has(name)) bad(`${where}: name appears twice`);
        names.add(name);
        if (ino >= g.inodes) {
          bad(`${where}: names inode ${ino}, beyond the ${g.inodes} inodes`);
          continue;
        }
        const t = inodes[ino];
        if (!t) {
          bad(`${where}: names free inode ${ino}`);
          continue;
        }
        if (name === ".") {
          dot = true;
          if (ino !== dir) bad(`${where}: names inode ${ino}, not the directory itself`);
          named[ino]++;
          continue;
        }
        if (name === "..") {
          dotdot = true;
          if (ino !== parent) bad(`${where}: names inode ${ino}, not its parent ${parent}`);
          if (dir !== root) named[ino]++;
          continue;
        }
        named[ino]++;
        if (t.type === FsType.DIR) {
          if (seen.has(ino)) bad(`${where}: directory ${ino} is reachable from two places`);
          else {
            seen.add(ino);
            queue.push([ino, dir]);
          }
        }
      }
      if (!dot) bad(`directory ${dir} has no "." entry`);
      if (!dotdot) bad(`directory ${dir} has no ".." entry`);
    }
    for (let ino = 1; ino < g.inodes; ino++) {
      const d = inodes[ino];
      if (!d) continue;
      if (named[ino] === 0) bad(`inode ${ino} is allocated but no directory names it (lost)`);
      else if (d.links !== named[ino]) bad(`inode ${ino}: links ${d.links} but ${named[ino]} directory entries name it`);
    }
  }

  // 5. The bitmap.
  for (let b = 0; b < g.blocks; b++) {
    const used = (img[g.bitmapStart * BLOCK + (b >> 3)] >> (b & 7)) & 1;
    const want = b < g.dataStart || owner[b] !== 0;
    if (used) stats.blocksUsed++;
    else stats.blocksFree++;
    if (used && !want) bad(`block ${b} is marked in use but nothing uses it (leaked)`);
    else if (!used && want) bad(`block ${b} is used by inode ${owner[b] === -1 ? "(several)" : owner[b]} but marked free`);
  }
  return report(g);
}

/** blockOf: the block of page p of inode d (0 a hole, -1 a pointer outside the data area). */
function blockOf(d: DiskInode, p: number, dv: DataView, g: Geometry): number {
  const ok = (b: number) => (b === 0 || (b >= g.dataStart && b < g.blocks) ? b : -1);
  if (p < FS_NDIRECT) return ok(d.addrs[p]);
  let q = p - FS_NDIRECT;
  if (q < FS_NINDIRECT) {
    const ib = ok(d.addrs[FS_NDIRECT]);
    return ib <= 0 ? ib : ok(dv.getUint32(ib * BLOCK + 4 * q, true));
  }
  q -= FS_NINDIRECT;
  if (q >= FS_NINDIRECT * FS_NINDIRECT) return -1;
  const db = ok(d.addrs[FS_NDIRECT + 1]);
  if (db <= 0) return db;
  const ib = ok(dv.getUint32(db * BLOCK + 4 * (q >> 10), true));
  return ib <= 0 ? ib : ok(dv.getUint32(ib * BLOCK + 4 * (q & 1023), true));
}

/** describeFsck: the report as text, one problem per line. */
export function describeFsck(r: FsckReport): string {
  const lines = [r.clean ? "clean" : `damaged: ${r.problems.length} problem(s)`];
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  const s = r.stats;
  if (r.geometry && r.geometry.magic !== 0)
    lines.push(`  ${s.files} files, ${s.dirs} directories, ${s.inodesUsed} inodes used; blocks ${s.blocksUsed} used, ${s.blocksFree} free`);
  return lines.join("\n");
}
