// tools/host/process.ts — a process as its program sees it: system calls and memory access.
//
// The program runs on the host: each method enters the kernel for this process on its CPU.
// Loads and stores go through the simulated MMU page by page (faults are resolved as the CPU
// would, or the process is killed and a SegmentationFault thrown). Each process keeps its own
// clock: a call starts when the process, the world and the CPU are all ready.

import {
  Access, Errno, FS_DIRENT_SIZE, FS_STAT_SIZE, FsStat, FsType, Kill, MapFlag, MsgFlag, PAGE_MASK, PAGE_SIZE, ProcField, ProcState, Prot,
  RegionField, Seek, Sem, Sys, SYS_BLOCKED, SYS_RESTART, ZIO_DEFAULT_THRESHOLD,
} from "../../base/abi";
import { ipWord } from "./ip";
import { openFlags, split64, type DirEntry, type FileIoOptions, type FileStat, type OpenOptions } from "./fileio";
import { ProcessGone, SegmentationFault, SyscallError } from "./errors";
import type { ProcessHost } from "./views";
import { firstDifference } from "./pattern";

export interface MmapOptions {
  /** Map this open file (its descriptor) instead of anonymous memory. */
  fd?: number;
  /** With fd: the file offset to map from, in bytes (a page multiple). */
  offset?: number;
  /** Prot bits (default READ | WRITE). */
  prot?: number;
  /** Share the pages with children (MAP_SHARED) instead of copy-on-write (default false). */
  shared?: boolean;
  /** Map exactly at this address (MAP_FIXED), or use it as a hint if free. */
  at?: number;
  fixed?: boolean;
}

export interface SendOptions {
  /** Destination (dotted or a number); omitted: the connected peer. */
  ip?: string | number;
  port?: number;
  /** Data-passing semantics (default: the process's default). */
  sem?: Sem;
  dontwait?: boolean;
  /** MSG_ZEROCOPY (copy semantics only): share the pages; the buffer may be reused once
   *  zcNotify has reported the send (its id: Process.zcId). */
  zerocopy?: boolean;
}

/** A completed range of MSG_ZEROCOPY sends of one socket (zcNotify). */
export interface ZcCompletion {
  /** The first and last send id of the range (ids count the socket's zero-copy sends from 0). */
  first: number;
  last: number;
  /** The kernel copied every byte of these sends after all (zero copy did not pay there). */
  copied: boolean;
}

export interface RecvOptions {
  sem?: Sem;
  /** Return null at once if nothing is queued. */
  dontwait?: boolean;
}

export interface Received {
  /** Bytes delivered. */
  len: number;
  /** Move semantics: where the kernel put the data (a region it chose); else 0. */
  va: number;
  /** Source address and port. */
  ip: number;
  port: number;
  /** Simulated time the call returned, ns. */
  at: number;
}

/** A receive posted before its data arrived: wait() runs the world until it completes. */
export class PendingRecv {
  /** call: the call's text, for errors (made only if one is raised); again: make the call again
   *  (the kernel asks for it when the datagram that came needs file pages read first). */
  constructor(private readonly p: Process, private readonly call: () => string, private done: Received | null,
    private readonly again?: () => PendingRecv) {}
  /** ready: has the receive completed? */
  get ready(): boolean {
    return this.done !== null || this.p.state !== ProcState.BLOCKED;
  }
  /** wait: run the world until the data arrives; what was received. */
  wait(): Received {
    if (this.done) return this.done;
    this.done = this.p.awaitWake(this.call, this.again !== undefined) ?? this.again!().wait();
    return this.done;
  }
}

export interface RegionInfo {
  start: number;
  end: number;
  prot: number;
  shared: boolean;
  object: number;
  pgoff: number;
}

export class Process {
  constructor(readonly machine: ProcessHost<Process>, readonly pid: number, public clock: number) {}

  private get k() {
    return this.machine.k;
  }

  /** state: RUNNABLE, BLOCKED, ZOMBIE (dead, not reaped) or UNUSED (reaped). */
  get state(): ProcState {
    const s = this.k.procInfo(this.pid, ProcField.STATE);
    return s < 0 ? ProcState.UNUSED : s;
  }

  get alive(): boolean {
    const s = this.state;
    return s === ProcState.RUNNABLE || s === ProcState.BLOCKED;
  }

  /** cpu: the CPU this process runs on. */
  get cpu(): number {
    return this.k.procInfo(this.pid, ProcField.CPU);
  }

  /** killReason: why a dead process died (Kill.EXITED for exit()). */
  get killReason(): Kill {
    return this.k.procInfo(this.pid, ProcField.KILL);
  }

  /** exitStatus: the status passed to exit (-1 if killed). */
  get exitStatus(): number {
    return this.k.procInfo(this.pid, ProcField.STATUS);
  }

  private live(): void {
    if (!this.alive) throw new ProcessGone(this.pid, this.killReason);
  }

  /**
   * syscall: raw system call; returns the kernel's result (negative = -errno). A restartable call
   * that returns SYS_RESTART (the process blocked, waiting for the disk) is issued again, with the
   * same arguments, once the world has run until the process is runnable: the caller never sees
   * SYS_RESTART. Throws if nothing pending can wake the process, or after MAX_RESTARTS restarts.
   */
  syscall(nr: Sys, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
    this.live();
    for (let restarts = 0; ; restarts++) {
      const { value, end } = this.machine.enter(this.cpu, this.clock, () => this.k.syscall(this.pid, nr, a0 | 0, a1 | 0, a2 | 0, a3 | 0, a4 | 0, a5 | 0));
      this.clock = end;
      if (value !== SYS_RESTART) return value;
      this.waitRunnable(Sys[nr] ?? `system call ${nr}`, restarts);
    }
  }

  /** waitRunnable: the kernel blocked this process for the disk (SYS_RESTART): run the world
   *  until it may run again, so the call or access can be made again. */
  private waitRunnable(call: string, restarts: number): void {
    if (restarts >= MAX_RESTARTS) throw new Error(`pid ${this.pid}: ${call} restarted ${MAX_RESTARTS} times without completing`);
    const w = this.machine.world;
    if (!w.runUntil(() => this.state !== ProcState.BLOCKED))
      throw new Error(`pid ${this.pid}: ${call} would wait forever: no pending event can wake it (has the disk crashed?)`);
    if (!this.alive) throw new ProcessGone(this.pid, this.killReason);
    this.clock = Math.max(this.clock, this.machine.wokenAt.get(this.pid) ?? w.now);
  }

  /** sys: system call that throws SyscallError(name) on a negative result (name may be a
   *  function, so that a frequent call does not format its name unless it fails). */
  private sys(name: string | (() => string), nr: Sys, a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0): number {
    const r = this.syscall(nr, a0, a1, a2, a3, a4, a5);
    if (r < 0) throw new SyscallError(typeof name === "string" ? name : name(), -r);
    return r;
  }

  getpid(): number {
    return this.sys("getpid", Sys.GETPID);
  }

  /** fork: a child sharing this process's memory copy-on-write. */
  fork(): Process {
    const pid = this.sys("fork", Sys.FORK);
    return this.machine.adopt(pid, this.clock);
  }

  /** exit: end this process; every frame it held is released. */
  exit(status = 0): void {
    this.sys(`exit(${status})`, Sys.EXIT, status);
  }

  /** mmap: map len bytes of anonymous memory; returns the address. */
  mmap(len: number, opts: MmapOptions = {}): number {
    const prot = opts.prot ?? Prot.READ | Prot.WRITE;
    const flags = (opts.shared ? MapFlag.SHARED : MapFlag.PRIVATE) | (opts.fixed ? MapFlag.FIXED : 0);
    const offset = opts.offset ?? 0;
    if (offset % PAGE_SIZE !== 0) throw new SyscallError(`mmap(offset=${offset})`, Errno.EINVAL);
    return this.sys(`mmap(len=${len}${opts.fd !== undefined ? `, fd=${opts.fd}` : ""})`, Sys.MMAP, opts.at ?? 0, len, prot, flags, opts.fd ?? -1, offset / PAGE_SIZE) >>> 0;
  }

  /** msync: write back the file pages mapped at [va, va+len) and wait until they are on disk. */
  msync(va: number, len: number): void {
    this.sys(`msync(0x${(va >>> 0).toString(16)}, ${len})`, Sys.MSYNC, va, len);
  }

  munmap(va: number, len: number): void {
    this.sys(`munmap(0x${(va >>> 0).toString(16)}, ${len})`, Sys.MUNMAP, va, len);
  }

  mprotect(va: number, len: number, prot: number): void {
    this.sys(`mprotect(0x${(va >>> 0).toString(16)}, ${len}, ${prot})`, Sys.MPROTECT, va, len, prot);
  }

  /** setCpu: migrate to another CPU (its TLB may now cache this address space too). */
  setCpu(cpu: number): void {
    this.sys(`setcpu(${cpu})`, Sys.SETCPU, cpu);
  }

  /** wait: reap a dead child; its exit status, or null if it is still running. */
  wait(child: Process): { status: number; reason: Kill } | null {
    const r = this.syscall(Sys.WAIT, child.pid);
    if (r === -Errno.EAGAIN) return null;
    if (r < 0) throw new SyscallError(`wait(${child.pid})`, -r);
    return { status: this.k.sysret(0), reason: this.k.sysret(1) };
  }

  // ---- sockets ------------------------------------------------------------------------------

  /** socket: a new UDP socket; its descriptor. */
  socket(): number {
    return this.sys("socket", Sys.SOCKET);
  }

  /** bind: bind fd to port (0: a free ephemeral one); the port. */
  bind(fd: number, port = 0): number {
    return this.sys(`bind(${fd}, ${port})`, Sys.BIND, fd, port);
  }

  /** connect: default destination of fd. */
  connect(fd: number, ip: string | number, port: number): void {
    this.sys(`connect(${fd}, ${ip}, ${port})`, Sys.CONNECT, fd, ipWord(ip), port);
  }

  /** Completion token of the last sendto under a weak semantics (0 if none): see iowait. */
  token = 0;

  /** Id of the last MSG_ZEROCOPY send (see zcNotify). */
  zcId = 0;

  /** sendto: send len bytes at va as one datagram; the bytes sent (token: see iowait; with
   *  zerocopy, zcId: see zcNotify). */
  sendto(fd: number, va: number, len: number, opts: SendOptions = {}): number {
    const flags = (opts.sem ?? Sem.DEFAULT) | (opts.dontwait ? MsgFlag.DONTWAIT : 0) | (opts.zerocopy ? MsgFlag.ZEROCOPY : 0);
    const ip = opts.ip === undefined ? 0 : ipWord(opts.ip);
    const n = this.sys(() => `sendto(${fd}, 0x${(va >>> 0).toString(16)}, ${len})`, Sys.SENDTO, fd, va, len, flags, ip, opts.port ?? 0);
    if (opts.zerocopy) this.zcId = this.k.sysret(0);
    else this.token = this.k.sysret(0);
    return n;
  }

  /** zcNotify: the next completed range of fd's MSG_ZEROCOPY sends, waiting (the world runs) for
   *  one unless dontwait; null when none is there to read (dontwait, or no send pending). */
  zcNotify(fd: number, opts: { dontwait?: boolean } = {}): ZcCompletion | null {
    const call = `zcNotify(${fd})`;
    const r = this.syscall(Sys.ZC_NOTIFY, fd, opts.dontwait ? 1 : 0);
    if (r === -Errno.EAGAIN) return null;
    if (r === SYS_BLOCKED) {
      const got = this.awaitWake(call);
      return { first: got.ip, last: got.port >>> 0, copied: got.va === 1 };
    }
    if (r < 0) throw new SyscallError(call, -r);
    return { first: this.k.sysret(0) >>> 0, last: this.k.sysret(1) >>> 0, copied: this.k.sysret(2) === 1 };
  }

  /** memcpy: the program copies len bytes from src to dst (memcpy). With zIO enabled (zioConfig)
   *  a large enough, page-congruent copy is elided: whole pages of dst are owed src's bytes
   *  until touched (kernel/io/zio.ts). A bad address kills the process (SegmentationFault). */
  memcpy(dst: number, src: number, len: number): void {
    for (let restarts = 0; ; restarts++) {
      this.live();
      const { value, end } = this.machine.enter(this.cpu, this.clock, () => this.k.umemcpy(this.pid, dst | 0, src | 0, len | 0));
      this.clock = end;
      if (value === SYS_RESTART) {
        this.waitRunnable(`memcpy(0x${(dst >>> 0).toString(16)}, 0x${(src >>> 0).toString(16)}, ${len})`, restarts);
        continue;
      }
      if (value === -Errno.EINVAL) throw new SyscallError(`memcpy(0x${(dst >>> 0).toString(16)}, 0x${(src >>> 0).toString(16)}, ${len}): overlapping`, Errno.EINVAL);
      if (value < 0) throw new SegmentationFault(this.pid, (this.k.procInfo(this.pid, ProcField.KILL_VA) >>> 0), Access.WRITE, -value);
      return;
    }
  }

  /** zioConfig: this process's memcpy goes through zIO: copies of at least threshold bytes are
   *  elided (0: never, the default); policy stops eliding into a buffer where faults make it lose. */
  zioConfig(opts: { threshold?: number; policy?: boolean } = {}): void {
    this.sys("zioConfig", Sys.ZIO_CONFIG, opts.threshold ?? ZIO_DEFAULT_THRESHOLD, opts.policy ?? true ? 1 : 0);
  }

  /** pipe: a new pipe; the descriptors of its read end and its write end. read() and write() on
   *  them copy; splice and vmsplice pass pages by reference. */
  pipe(): [number, number] {
    const r = this.sys("pipe", Sys.PIPE);
    return [r, this.k.sysret(0)];
  }

  /** vmsplice: queue [va, va+len) in the pipe whose write end is fd, by reference (the pages are
   *  pinned until consumed: do not change them before); the bytes queued. */
  vmsplice(fd: number, va: number, len: number): number {
    return this.sys(`vmsplice(${fd}, 0x${(va >>> 0).toString(16)}, ${len})`, Sys.VMSPLICE, fd, va, len);
  }

  /** splice: move up to len bytes from in to out by reference: a file (from offset) into a pipe's
   *  write end, or a pipe's read end into a connected socket (one datagram); the bytes moved. */
  splice(inFd: number, outFd: number, len: number, offset = 0): number {
    const [lo, hi] = split64(offset);
    return this.sys(`splice(${inFd}, ${outFd}, ${len}, ${offset})`, Sys.SPLICE, inFd, outFd, len, lo, hi);
  }

  /** sendfile: send len bytes of file fd from offset as one datagram to the connected peer of
   *  socket sock, straight from the page cache; the bytes sent (fewer at the end of the file). */
  sendfile(sock: number, fd: number, len: number, offset = 0): number {
    const [lo, hi] = split64(offset);
    return this.sys(`sendfile(${sock}, ${fd}, ${len}, ${offset})`, Sys.SENDFILE, sock, fd, len, lo, hi);
  }

  /** sendv: send the gather list [(va, len), ...] as one datagram / message; the bytes sent.
   *  The list itself is written to a scratch page of this process's memory, as a program would. */
  sendv(fd: number, iov: [number, number][], opts: SendOptions = {}): number {
    if (!this.iovPage) this.iovPage = this.mmap(PAGE_SIZE);
    const words = new Uint8Array(iov.length * 8);
    const dv = new DataView(words.buffer);
    iov.forEach(([va, len], i) => { dv.setUint32(i * 8, va >>> 0, true); dv.setUint32(i * 8 + 4, len >>> 0, true); });
    this.store(this.iovPage, words);
    const flags = (opts.sem ?? Sem.DEFAULT) | (opts.dontwait ? MsgFlag.DONTWAIT : 0);
    const ip = opts.ip === undefined ? 0 : ipWord(opts.ip);
    const n = this.sys(`sendv(${fd}, ${iov.length} buffers)`, Sys.SENDV, fd, this.iovPage, iov.length, flags, ip, opts.port ?? 0);
    this.token = this.k.sysret(0);
    return n;
  }
  private iovPage = 0;

  /** pswap: exchange the contents of [a, a+len) and [b, b+len) (page-congruent): whole pages by
   *  exchanging frames, partial ones by copying. */
  pswap(a: number, b: number, len: number): void {
    this.sys(`pswap(0x${(a >>> 0).toString(16)}, 0x${(b >>> 0).toString(16)}, ${len})`, Sys.PSWAP, a, b, len);
  }

  /** channel: a new IPC channel; the descriptors of its two ends. */
  channel(): [number, number] {
    const a = this.sys("channel", Sys.CHANNEL);
    return [a, this.k.sysret(0)];
  }

  /** iowait: wait (the world runs) until the weak-semantics output of token has completed. */
  iowait(token = this.token): void {
    const call = `iowait(${token})`;
    const r = this.syscall(Sys.IOWAIT, token);
    if (r === SYS_BLOCKED) this.awaitWake(call);
    else if (r < 0) throw new SyscallError(call, -r);
  }

  /** postRecv: start a receive into [va, va+len); completes now if a datagram is queued. */
  postRecv(fd: number, va: number, len: number, opts: RecvOptions = {}): PendingRecv {
    const call = () => `recvfrom(${fd}, 0x${(va >>> 0).toString(16)}, ${len})`;
    const flags = (opts.sem ?? Sem.DEFAULT) | (opts.dontwait ? MsgFlag.DONTWAIT : 0);
    const r = this.syscall(Sys.RECVFROM, fd, va, len, flags);
    if (r === SYS_BLOCKED) return new PendingRecv(this, call, null, () => this.postRecv(fd, va, len, opts));
    if (r < 0) throw new SyscallError(call(), -r);
    return new PendingRecv(this, call, { len: r, va: this.k.sysret(2) >>> 0, ip: this.k.sysret(0) >>> 0, port: this.k.sysret(1), at: this.clock });
  }

  /** recvfrom: receive one datagram into [va, va+len), waiting (the world runs) until one comes;
   *  null with dontwait when none is queued. */
  recvfrom(fd: number, va: number, len: number, opts: RecvOptions = {}): Received | null {
    try {
      return this.postRecv(fd, va, len, opts).wait();
    } catch (e) {
      if (opts.dontwait && e instanceof SyscallError && e.errno === Errno.EAGAIN) return null;
      throw e;
    }
  }

  /** close: release descriptor fd. */
  close(fd: number): void {
    this.sys(`close(${fd})`, Sys.CLOSE, fd);
  }

  // ---- files (kernel/sysfs.ts) ----------------------------------------------------------------

  private scratchVa = 0;
  private scratchLen = 0;

  /** scratch: an address of this process holding bytes (paths, stat results): a region mapped
   *  the first time, like a C program's stack, and grown when needed. */
  private scratch(bytes: Uint8Array | number): number {
    const len = typeof bytes === "number" ? bytes : bytes.length;
    if (len > this.scratchLen) {
      if (this.scratchVa) this.munmap(this.scratchVa, this.scratchLen);
      this.scratchLen = Math.max(2 * PAGE_SIZE, (len + PAGE_MASK) & ~PAGE_MASK);
      this.scratchVa = this.mmap(this.scratchLen);
    }
    if (typeof bytes !== "number" && len > 0) this.store(this.scratchVa, bytes);
    return this.scratchVa;
  }

  private path(path: string): [number, number] {
    const b = new TextEncoder().encode(path);
    return [this.scratch(b), b.length];
  }

  /** open: open (and with create, make) the file at path; its descriptor. Read-only unless
   *  write (write-only) or read and write are asked for; or pass OpenFlag bits. */
  open(path: string, opts: OpenOptions | number = {}): number {
    const flags = typeof opts === "number" ? opts : openFlags(opts);
    const [va, len] = this.path(path);
    return this.sys(`open(${JSON.stringify(path)}, 0x${flags.toString(16)})`, Sys.OPEN, va, len, flags);
  }

  /** read: read up to len bytes of fd into [va, va+len) at its offset, as many calls as it takes
   *  (short reads go on); the bytes read, less than len only at the end of the file. */
  read(fd: number, va: number, len: number, opts: FileIoOptions = {}): number {
    let done = 0;
    while (done < len) {
      const n = this.syscall(Sys.READ, fd, va + done, len - done, opts.sem ?? Sem.DEFAULT);
      if (n === -Errno.EAGAIN && done > 0) break; // an empty pipe after some bytes: a short read
      if (n < 0) throw new SyscallError(`read(${fd}, 0x${((va + done) >>> 0).toString(16)}, ${len - done})`, -n);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  /** write: write [va, va+len) to fd at its offset, as many calls as it takes; len. */
  write(fd: number, va: number, len: number, opts: FileIoOptions = {}): number {
    let done = 0;
    while (done < len) {
      const call = `write(${fd}, 0x${((va + done) >>> 0).toString(16)}, ${len - done})`;
      const n = this.sys(call, Sys.WRITE, fd, va + done, len - done, opts.sem ?? Sem.DEFAULT);
      if (n === 0) throw new Error(`pid ${this.pid}: ${call} wrote nothing`);
      done += n;
    }
    return len;
  }

  /** lseek: move fd's offset (whence Seek.SET, CUR or END); the new offset. */
  lseek(fd: number, offset: number, whence: Seek = Seek.SET): number {
    const [lo, hi] = split64(offset);
    this.sys(`lseek(${fd}, ${offset}, ${Seek[whence] ?? whence})`, Sys.LSEEK, fd, lo, hi, whence);
    return (this.k.sysret(0) >>> 0) + (this.k.sysret(1) >>> 0) * 2 ** 32;
  }

  /** ftruncate: make fd's file length bytes long. */
  ftruncate(fd: number, length: number): void {
    const [lo, hi] = split64(length);
    this.sys(`ftruncate(${fd}, ${length})`, Sys.FTRUNCATE, fd, lo, hi);
  }

  /** unlink: remove the file (or empty directory) at path. */
  unlink(path: string): void {
    const [va, len] = this.path(path);
    this.sys(`unlink(${JSON.stringify(path)})`, Sys.UNLINK, va, len);
  }

  /** mkdir: make the directory path. */
  mkdir(path: string): void {
    const [va, len] = this.path(path);
    this.sys(`mkdir(${JSON.stringify(path)})`, Sys.MKDIR, va, len);
  }

  /** readdir: every entry of the open directory fd from its offset on (the offset ends at the end). */
  readdir(fd: number): DirEntry[] {
    const out: DirEntry[] = [];
    const va = this.scratch(PAGE_SIZE);
    for (;;) {
      const n = this.sys(`readdir(${fd})`, Sys.READDIR, fd, va, PAGE_SIZE);
      if (n === 0) return out;
      const bytes = this.load(va, n);
      const dv = new DataView(bytes.buffer);
      for (let at = 0; at < n; at += FS_DIRENT_SIZE) {
        const name = bytes.subarray(at + 4, at + FS_DIRENT_SIZE);
        const end = name.indexOf(0);
        out.push({ ino: dv.getUint32(at, true), name: new TextDecoder().decode(end < 0 ? name : name.subarray(0, end)) });
      }
    }
  }

  /** stat: what the inode at path is. */
  stat(path: string): FileStat {
    const [va, len] = this.path(path);
    const st = this.scratchVa + PAGE_SIZE;
    this.sys(`stat(${JSON.stringify(path)})`, Sys.STAT, va, len, st);
    return this.statAt(st);
  }

  /** fstat: what the open file fd is. */
  fstat(fd: number): FileStat {
    const st = this.scratch(0) + PAGE_SIZE;
    this.sys(`fstat(${fd})`, Sys.FSTAT, fd, st);
    return this.statAt(st);
  }

  private statAt(va: number): FileStat {
    const dv = new DataView(this.load(va, FS_STAT_SIZE).buffer);
    const type = dv.getUint32(FsStat.TYPE, true);
    return {
      ino: dv.getUint32(FsStat.INO, true),
      type: type === FsType.DIR ? "dir" : "file",
      links: dv.getUint32(FsStat.LINKS, true),
      nblocks: dv.getUint32(FsStat.NBLOCKS, true),
      size: Number(dv.getBigUint64(FsStat.SIZE, true)),
    };
  }

  /** fsync: return once fd's data, and every change to the file system made before, is on disk. */
  fsync(fd: number): void {
    this.sys(`fsync(${fd})`, Sys.FSYNC, fd);
  }

  /** writeFile: make (or truncate) the file at path and write bytes into it, through a buffer of
   *  this process (like cp); with fsync, wait until they are on disk. */
  writeFile(path: string, bytes: Uint8Array, opts: { fsync?: boolean } = {}): void {
    const fd = this.open(path, { write: true, create: true, trunc: true });
    const len = Math.max(bytes.length, 1);
    let buf = 0;
    try {
      buf = this.mmap(len);
      if (bytes.length) {
        this.store(buf, bytes);
        this.write(fd, buf, bytes.length);
      }
      if (opts.fsync) this.fsync(fd);
    } finally {
      if (this.alive) {
        if (buf) this.munmap(buf, len);
        this.close(fd);
      }
    }
  }

  /** readFile: every byte of the file at path, read through a buffer of this process (like cat). */
  readFile(path: string): Uint8Array {
    const fd = this.open(path);
    let buf = 0;
    let len = 1;
    try {
      len = Math.max(this.fstat(fd).size, 1);
      buf = this.mmap(len);
      const n = this.read(fd, buf, len);
      return this.load(buf, n);
    } finally {
      if (this.alive) {
        if (buf) this.munmap(buf, len);
        this.close(fd);
      }
    }
  }

  /** awaitWake: run the world until this blocked process is woken; its call's result (restartable:
   *  null when the kernel asks for the call to be made again). */
  awaitWake(callText: string | (() => string)): Received;
  awaitWake(callText: string | (() => string), restartable: boolean): Received | null;
  awaitWake(callText: string | (() => string), restartable = false): Received | null {
    const call = () => (typeof callText === "string" ? callText : callText());
    const w = this.machine.world;
    // The state can change only in a call into this machine's kernel: ask again only after one.
    let calls = -1, blocked = true;
    const woken = () => {
      if (this.machine.calls !== calls) {
        calls = this.machine.calls;
        blocked = this.state === ProcState.BLOCKED;
      }
      return !blocked;
    };
    if (!w.runUntil(woken))
      throw new Error(`pid ${this.pid}: ${call()} would wait forever: no pending event can complete it`);
    if (!this.alive) throw new ProcessGone(this.pid, this.killReason);
    this.clock = Math.max(this.clock, this.machine.wokenAt.get(this.pid) ?? w.now);
    const r = this.k.procInfo(this.pid, ProcField.RESULT);
    if (r === SYS_RESTART && restartable) return null; // the call is to be made again
    if (r < 0) throw new SyscallError(call(), -r);
    return {
      len: r,
      va: this.k.procInfo(this.pid, ProcField.RET2) >>> 0,
      ip: this.k.procInfo(this.pid, ProcField.RET0) >>> 0,
      port: this.k.procInfo(this.pid, ProcField.RET1),
      at: this.clock,
    };
  }

  /** kill: end this process from outside (reason KILLED). */
  kill(): void {
    this.live();
    this.machine.enter(this.cpu, this.clock, () => this.k.kill(this.pid));
  }

  /** reap: release the slot of this dead process (processes the host spawned have no parent). */
  reap(): number {
    return this.k.reap(this.pid);
  }

  /** translate: the physical address of one access, faulting as needed; throws on a fatal fault. */
  translate(va: number, access: Access): number {
    for (let restarts = 0; ; restarts++) {
      // After a successful access the process is alive and on the same CPU until the kernel is
      // entered again: a load or store of many pages asks the kernel only for the accesses.
      let cpu = this.accessCpu;
      if (this.machine.calls !== this.accessAfter) {
        this.live();
        cpu = this.cpu;
      }
      const { value: pa, end } = this.machine.enter(cpu, this.clock, () => this.k.uaccess(this.pid, va | 0, access));
      this.clock = end;
      if (pa === SYS_RESTART) {
        this.waitRunnable(`access at 0x${(va >>> 0).toString(16)}`, restarts); // a file page is being read
        continue;
      }
      if (pa < 0) throw new SegmentationFault(this.pid, va >>> 0, access, -pa);
      this.accessAfter = this.machine.calls;
      this.accessCpu = cpu;
      return pa;
    }
  }
  private accessAfter = -1; // machine.calls right after the last successful access
  private accessCpu = 0; // the CPU it ran on

  /** load: read len bytes at va through the MMU. */
  load(va: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let done = 0; done < len; ) {
      const at = (va + done) >>> 0;
      const n = Math.min(len - done, PAGE_SIZE - (at & PAGE_MASK));
      const pa = this.translate(at, Access.READ);
      const ram = this.machine.ram;
      out.set(new Uint8Array(ram.buffer, ram.byteOffset + pa, n), done); // (not subarray: a species lookup)
      done += n;
    }
    return out;
  }

  /** firstDifference: the first index where the bytes at va (read through the MMU) differ
   *  from expected, or -1 if they are equal; compared in place, page by page, without a copy. */
  firstDifference(va: number, expected: Uint8Array): number {
    const len = expected.length;
    for (let done = 0; done < len; ) {
      const at = (va + done) >>> 0;
      const n = Math.min(len - done, PAGE_SIZE - (at & PAGE_MASK));
      const pa = this.translate(at, Access.READ);
      const ram = this.machine.ram;
      const diff = firstDifference(new Uint8Array(ram.buffer, ram.byteOffset + pa, n), new Uint8Array(expected.buffer, expected.byteOffset + done, n));
      if (diff >= 0) return done + diff;
      done += n;
    }
    return -1;
  }

  /** store: write bytes at va through the MMU. */
  store(va: number, bytes: Uint8Array | number[]): void {
    const src = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
    for (let done = 0; done < src.length; ) {
      const at = (va + done) >>> 0;
      const n = Math.min(src.length - done, PAGE_SIZE - (at & PAGE_MASK));
      const pa = this.translate(at, Access.WRITE);
      this.machine.ram.set(new Uint8Array(src.buffer, src.byteOffset + done, n), pa);
      done += n;
    }
  }

  /** fill: write len copies of byte at va. */
  fill(va: number, len: number, byte: number): void {
    this.store(va, new Uint8Array(len).fill(byte));
  }

  /** regions: this process's regions in address order. */
  regions(): RegionInfo[] {
    const n = Math.max(0, this.k.procInfo(this.pid, ProcField.REGIONS));
    const f = (i: number, x: RegionField) => this.k.regionInfo(this.pid, i, x);
    return Array.from({ length: n }, (_, i) => ({
      start: f(i, RegionField.START) >>> 0,
      end: f(i, RegionField.END) >>> 0,
      prot: f(i, RegionField.PROT),
      shared: f(i, RegionField.SHARED) === 1,
      object: f(i, RegionField.OBJECT),
      pgoff: f(i, RegionField.PGOFF),
    }));
  }

  /** frameAt: the frame currently mapped at va (0 if none), read from the page table. */
  frameAt(va: number): number {
    const t = this.machine.explain(this.pid, va);
    return t.present ? t.frame : 0;
  }
}

/** How many times Process.syscall re-issues a restartable call before it gives up. */
export const MAX_RESTARTS = 100_000;
