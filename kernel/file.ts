// kernel/file.ts — open files: what a process's file descriptors refer to.
//
// A descriptor is an index into the process's table; each entry is a File, shared by
// descriptors that refer to the same open file (after fork), with its offset. Sockets, IPC
// channels, files of the mounted file system (kernel/sysfs.ts) and pipes (kernel/pipe.ts).

import { Errno } from "../base/abi";
import { Socket, sockRelease } from "../net/socket";
import { panic } from "../base/panic";
import { ChanEnd } from "./chan";
import { Inode, irelease } from "../fs/inode";
import { Pipe, pipeClose } from "./pipe";

export const MAX_FDS = 32;

/** closeHook(e): the last descriptor of channel end e is gone (kernel/ipc.ts chanClose,
 *  registered at boot by kernel/hooks.ts: channels sit above the descriptor table). */
let closeHook: (e: ChanEnd) => void = noClose;

function noClose(e: ChanEnd): void {
  panic("fileRelease: no channel close hook registered");
}

/** fileRegister: how a channel end is closed. */
export function fileRegister(closeChannel: (e: ChanEnd) => void): void {
  closeHook = closeChannel;
}

export enum FileKind {
  SOCKET = 1,
  CHANNEL = 2,
  FILE = 3,
  PIPE = 4,
}

export class File {
  refs: i32 = 1;
  /** FileKind.CHANNEL: the channel end. */
  end: ChanEnd | null = null;
  /** FileKind.FILE: the inode, the offset of the next read / write, how it was opened. */
  node: Inode | null = null;
  off: u64 = 0;
  readable: bool = false;
  writable: bool = false;
  /** FileKind.PIPE: the pipe (readable: the read end, writable: the write end). */
  pipe: Pipe | null = null;
  constructor(public kind: FileKind, public sock: Socket | null) {}
}

export class FdTable {
  files: StaticArray<File | null> = new StaticArray<File | null>(MAX_FDS);

  /** install: the lowest free descriptor for f, or -EMFILE. */
  install(f: File): i32 {
    for (let i = 0; i < MAX_FDS; i++) {
      if (this.files[i] == null) {
        this.files[i] = f;
        return i;
      }
    }
    return -Errno.EMFILE;
  }

  /** get: the file of descriptor fd, or null if fd is not open. */
  get(fd: i32): File | null {
    return fd < 0 || fd >= MAX_FDS ? null : this.files[fd];
  }

  /** close: drop descriptor fd; 0 or -EBADF. */
  close(fd: i32): i32 {
    const f = this.get(fd);
    if (f == null) return -Errno.EBADF;
    this.files[fd] = null;
    fileRelease(f);
    return 0;
  }

  /** closeAll: drop every descriptor (exit). */
  closeAll(): void {
    for (let i = 0; i < MAX_FDS; i++) if (this.files[i] != null) this.close(i);
  }

  /** copy: a table sharing every open file (fork). */
  copy(): FdTable {
    const t = new FdTable();
    for (let i = 0; i < MAX_FDS; i++) {
      const f = this.files[i];
      if (f != null) { f.refs++; t.files[i] = f; }
    }
    return t;
  }
}

function fileRelease(f: File): void {
  if (--f.refs > 0) return;
  if (f.kind == FileKind.SOCKET && f.sock != null) sockRelease(f.sock!);
  if (f.kind == FileKind.CHANNEL && f.end != null) closeHook(f.end!);
  if (f.kind == FileKind.FILE && f.node != null) irelease(f.node!);
  if (f.kind == FileKind.PIPE && f.pipe != null) pipeClose(f.pipe!, f.readable);
}
