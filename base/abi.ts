// base/abi.ts — the one source of every constant the kernel and the host share.
//
// This file is written in the common subset of AssemblyScript and TypeScript: the kernel
// compiles it with asc, the host (tools/host) imports it as TypeScript. Never retype one of
// these numbers on either side; import it from here.
//
// Numbering rules: enums that index tables end in a COUNT member; values are stable once
// published (course tooling reads counters and trace kinds by name, never by number).

// ---- Pages and physical memory -------------------------------------------------------------

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_MASK = 4095;
/** Physical RAM defaults: 16 MiB = 4096 frames; the kernel accepts 16 .. 262144 frames (1 GiB). */
export const DEFAULT_FRAMES = 4096;
export const MIN_FRAMES = 16;
export const MAX_FRAMES = 262144;
export const MAX_CPUS = 4;
export const MAX_PROCS = 64;

// ---- Page-table entries (32 bits; 10 | 10 | 12 split of a 32-bit virtual address) ----------
//
//   31                                12 11  10   9    8    7    6    5   4  3   2   1   0
//  +------------------------------------+---+----+----+----+----+---+---+--+--+---+---+---+
//  |        physical frame number       |HID|TCOW|COW |WIRE|    | D | A |     | U | W | P |
//  +------------------------------------+---+----+----+----+----+---+---+--+--+---+---+---+
//   hardware bits: P present, W writable, U user, A accessed, D dirty (set by the MMU walk)
//   software bits: WIRE wired (pinned), COW copy-on-write, TCOW transient output protection,
//                  HID region hidden (emulated move)

export enum Pte {
  P = 0x001,
  W = 0x002,
  U = 0x004,
  A = 0x020,
  D = 0x040,
  WIRE = 0x100,
  COW = 0x200,
  TCOW = 0x400,
  HID = 0x800,
  FLAGS = 0xfff,
}
export const PDE_SHIFT = 22;
export const PTES_PER_TABLE = 1024;
/** User virtual addresses live in [USER_BASE, USER_TOP), below 2 GiB, so every address is a
 *  non-negative i32; page 0 and the first 64 KiB stay unmapped (null guard). */
export const USER_BASE = 0x00010000;
export const USER_TOP = 0x7fff0000;
/** Where mmap without a hint starts looking for room. */
export const MMAP_BASE = 0x40000000;

// ---- Frame metadata ------------------------------------------------------------------------

/** What a frame is used for (one kind at a time). */
export enum FrameKind {
  FREE = 0,
  KERNEL = 1, // reserved frame 0 and the kernel's own buffers
  PAGETABLE = 2, // a page directory or a page table
  ANON = 3, // anonymous memory of some memory object
  PAGECACHE = 4, // a file page in the unified page cache
  IOBUF = 5, // a system buffer for I/O (network/disk), owned by the kernel
  IOLITE = 6, // a page of an IO-Lite pool's window (kernel/io/iolite.ts)
  COUNT = 7,
}

/** Frame flags, orthogonal to the kind. */
export enum FrameFlag {
  IMMUTABLE = 0x2, // IO-Lite buffer: never writable again
  ORPHAN = 0x4, // replaced in its object while output was pending; freed when outRef reaches 0
  DIRTY = 0x8, // holds bytes not yet written back (page cache)
  UNSCRUBBED = 0x10, // free, but still holds a previous owner's bytes: zero before any reuse
  REFERENCED = 0x20, // page cache: used since the eviction clock's hand last passed (fs/pagecache.ts)
  OWED = 0x40, // the source of elided copies (zIO): pages are owed its bytes (vm/indirect.ts), it is write-protected
  STRANDED = 0x80, // wired, and a holder let go of it since: the one left may not be the pinner, so nobody writes it in place until the pins are gone (vm/frame.ts)
}

// ---- Memory access and protection ----------------------------------------------------------

export enum Access {
  READ = 1,
  WRITE = 2,
}

export enum Prot {
  NONE = 0,
  READ = 1,
  WRITE = 2,
}

export enum MapFlag {
  PRIVATE = 0x1,
  SHARED = 0x2,
  FIXED = 0x10,
}

// ---- Errors (negated in syscall results) ---------------------------------------------------

export enum Errno {
  OK = 0,
  EPERM = 1,
  ENOENT = 2,
  ESRCH = 3,
  EINTR = 4,
  EIO = 5,
  EBADF = 9,
  ECHILD = 10,
  EAGAIN = 11,
  ENOMEM = 12,
  EACCES = 13,
  EFAULT = 14,
  EBUSY = 16,
  EEXIST = 17,
  ENODEV = 19,
  ENOTDIR = 20,
  EISDIR = 21,
  EINVAL = 22,
  ENFILE = 23,
  EMFILE = 24,
  EFBIG = 27,
  ENOSPC = 28,
  ESPIPE = 29,
  EROFS = 30,
  EPIPE = 32,
  ERANGE = 34,
  ENAMETOOLONG = 36,
  ENOSYS = 38,
  ENOTEMPTY = 39,
  ENOTSOCK = 88,
  EMSGSIZE = 90,
  EPROTONOSUPPORT = 93,
  EOPNOTSUPP = 95,
  EADDRINUSE = 98,
  ENETUNREACH = 101,
  ENOBUFS = 105, // no buffer for the datagram (loopback: no frame to copy it into)
  ENOTCONN = 107,
  ETIMEDOUT = 110,
}

// ---- System calls --------------------------------------------------------------------------
//
// syscall(pid, nr, a0..a5) returns a value >= 0 or -Errno. Extra results (a second value, such
// as the (va, len) of a region the kernel chose) are read with sysret(i) after the call.

/** A blocking call's result: the process is BLOCKED; when it is RUNNABLE again its result is
 *  procInfo(pid, ProcField.RESULT) and its second results sysret-like in RET0 / RET1. */
export const SYS_BLOCKED = -4096;
/** A restartable call's result: the process is BLOCKED (waiting for a disk request or a log
 *  commit); when it is RUNNABLE again, issue the same call again with the same arguments. A call
 *  that returns SYS_RESTART has changed nothing (fs/wait.ts). */
export const SYS_RESTART = -4097;

export enum Sys {
  GETPID = 1,
  EXIT = 2, // (status)
  FORK = 3, // () -> child pid
  MMAP = 4, // (hint va, len, prot, flags, fd, pageOffset) -> va
  MUNMAP = 5, // (va, len)
  MPROTECT = 6, // (va, len, prot)
  SETCPU = 7, // (cpu) — migrate the caller to another CPU
  WAIT = 8, // (pid) -> 0 and sysret = (status, Kill reason) of a dead child, reaped; -EAGAIN if alive
  SOCKET = 9, // () -> fd of a new UDP socket
  BIND = 10, // (fd, port) ; port 0 picks a free ephemeral port; -> the port
  CONNECT = 11, // (fd, ip, port) default destination for send
  SENDTO = 12, // (fd, va, len, flags, ip, port) -> bytes sent; ip = 0 uses the connected peer;
  //               sysret(0) = completion token of a weak semantics (see IOWAIT)
  RECVFROM = 13, // (fd, va, len, flags) -> bytes received; sysret = (source ip, source port, region
  //                 the kernel chose: move semantics only; their va is ignored)
  CLOSE = 14, // (fd)
  IOWAIT = 15, // (token) wait for a weak-semantics output to complete (token: sendto's second result)
  SENDV = 16, // (fd, iov va, count, flags, ip, port): sendto of a gather list of (va, len) u32 pairs
  CHANNEL = 17, // () -> fd of end 0 of a new IPC channel; sysret(0) = fd of end 1
  PSWAP = 18, // (a, b, len): exchange the contents of two page-congruent ranges (vm/pswap.ts)
  // The Linux-style calls and zIO (docs/peers.md).
  PIPE = 19, // () -> fd of the read end of a new pipe; sysret(0) = fd of the write end
  VMSPLICE = 20, // (pipe write fd, va, len) -> bytes: user pages into the pipe by reference (pinned)
  SPLICE = 21, // (in fd, out fd, len, offset low, offset high) -> bytes: file -> pipe (page-cache
  //               pages by reference, at the offset) or pipe -> socket (one datagram to the peer)
  SENDFILE = 22, // (socket fd, file fd, len, offset low, offset high) -> bytes: one datagram to the
  //                connected peer gathered from the file's page-cache frames (no copy)
  ZC_NOTIFY = 23, // (socket fd, dontwait) -> 1; sysret = (first id, last id, copied) of completed
  //                 MSG_ZEROCOPY sends; -EAGAIN (dontwait) if none; else waits for one
  ZIO_CONFIG = 24, // (threshold bytes, policy on) -> 0: the caller's zIO copy elision (kernel/io/zio.ts)
  // IO-Lite (kernel/sysiolite.ts, docs/peers.md §3). An aggregate is `count` slices (va, len) of
  // u32 pairs in user memory; every slice lies in one buffer of a pool's window.
  IOL_POOL = 25, // () -> id of a new pool whose access-control set is the caller (its window mapped)
  IOL_ALLOC = 26, // (pool, len) -> va of a new buffer the caller may write until it passes it
  IOL_READ = 27, // (fd, agg va, max slices, len, pool, flags) -> bytes; sysret(2) = slices written
  IOL_WRITE = 28, // (fd, agg va, count, ip, port) -> bytes: to a socket (one datagram), pipe or file
  IOL_FREE = 29, // (agg va, count) -> 0: the caller's references to the slices' buffers dropped
  // File system (kernel/sysfs.ts). Paths are (va, len) in user memory, len <= FS_PATH_MAX; any of
  // these may return SYS_RESTART. 64-bit offsets and lengths are passed as (low, high) words.
  OPEN = 32, // (path va, path len, OpenFlag bits) -> fd
  READ = 33, // (fd, va, len, flags: Sem in bits 0..3) -> bytes read (0 at end of file)
  WRITE = 34, // (fd, va, len, flags: Sem in bits 0..3) -> bytes written
  LSEEK = 35, // (fd, offset low, offset high, Seek) -> 0; sysret = (new offset low, high)
  FTRUNCATE = 36, // (fd, length low, length high)
  UNLINK = 37, // (path va, path len) — a file, or an empty directory
  MKDIR = 38, // (path va, path len)
  READDIR = 39, // (fd, va, len) -> bytes of whole FS_DIRENT_SIZE entries (0 at the end)
  STAT = 40, // (path va, path len, stat va) -> 0; FS_STAT_SIZE bytes written at stat va
  FSTAT = 41, // (fd, stat va)
  FSYNC = 42, // (fd) -> 0 once the file's data and every metadata change before it are on disk
  MSYNC = 43, // (va, len) -> 0 once the file pages mapped there are on disk (as fsync)
  COUNT = 44, // one more than the largest number
}

// ---- Process states and kill reasons --------------------------------------------------------

export enum ProcState {
  UNUSED = 0,
  RUNNABLE = 1,
  BLOCKED = 2,
  ZOMBIE = 3,
}

export enum Kill {
  NONE = 0,
  EXITED = 1, // called exit
  SEGV_UNMAPPED = 2, // access to an address no region covers
  SEGV_PROT = 3, // access the region's protection forbids
  OOM = 4, // a fault needed a frame and none was free
  SIGBUS = 5, // access to a file page beyond end of file
  KILLED = 6, // killed by the host
  BLOCKED = 7, // not a kill: the access waits for a disk read (file mapping); retried when it is in
}

// ---- Counters: every primitive operation, and its CPU cost ----------------------------------
//
// The kernel counts each primitive operation it performs. The cost profile gives nanoseconds
// per unit of each counter; simulated CPU time is exactly sum(count x cost) — never a formula
// per semantics. Counters the CPU does not pay for (DMA bytes, TLB hits) cost 0 in every profile.

export enum Counter {
  Syscalls = 0, // each kernel entry through syscall()
  Faults, // each page fault taken (any cause)
  FaultsDemandZero, // resolved by mapping a zero-filled frame
  FaultsCow, // resolved by copy-on-write (copy or reuse)
  FaultsTcow, // resolved by TCOW (see kernel/io)
  FaultsMinor, // the object had the page; only the mapping was missing
  FaultsProt, // write to a read-only mapping whose frame no longer needed protecting
  FaultsFatal, // not resolvable: the process was killed
  PteWrites, // a page-table entry written by the kernel (map, unmap, protect)
  TlbHits,
  TlbMisses,
  TlbInvalLocal, // invalidation of a TLB entry on the CPU doing the change
  TlbShootdowns, // invalidation sent to another CPU (one per remote CPU per change)
  TlbFlushes, // a whole-ASID flush on one CPU
  FramesAllocated,
  FramesFreed,
  BytesCopied, // bytes the CPU copied (never DMA)
  BytesZeroed, // bytes the CPU zeroed (demand-zero and scrubbing)
  BytesChecksummed, // bytes the CPU summed for an Internet checksum
  PageSwaps, // frames exchanged between memory objects
  RegionOps, // region created, split, removed, hidden or cached
  Wires, // a page wired (pinned)
  Unwires,
  Interrupts,
  Notifications, // completion notifications delivered to a process
  DmaBytesOut, // bytes a device read from RAM (not CPU time)
  DmaBytesIn, // bytes a device wrote into RAM (not CPU time)
  ProcsCreated,
  ProcsExited,
  PacketsSent, // packets handed to a NIC
  PacketsReceived, // packets taken from a NIC's receive rings
  DatagramsSent, // datagrams handed to the network layer by a send call
  DatagramsReceived, // datagrams delivered to a socket
  PagesSpliced, // page references passed to a pipe or a NIC gather list without a copy (sendfile, splice, vmsplice)
  ZcCopied, // MSG_ZEROCOPY bytes the kernel copied after all (small pieces): reported as "copied"
  ZioElided, // pages an application memcpy recorded as an indirection instead of copying (zIO)
  ZioMaterialised, // pages copied because an access hit an indirection (zIO; the copy is in BytesCopied)
  ZioSendResolved, // pages a send gathered straight from an indirection's source frame (zIO)
  IolPoolPages, // pages an IO-Lite pool's window grew by (frames placed in it, mapped at first use)
  IolBufReused, // IO-Lite buffers taken again from a pool's free list (no mapping changes)
  IolCsumHits, // IO-Lite slices whose Internet checksum came from the cache (buffer, generation)
  IolCsumMisses, // IO-Lite slices whose checksum was computed (and cached)
  COUNT,
}

// ---- Trace ---------------------------------------------------------------------------------
//
// Each event kind carries its subsystem in bits 8..15, so a mask of subsystems enables a family.

export enum Subsys {
  PROC = 0x01,
  VM = 0x02,
  TLB = 0x04,
  FAULT = 0x08,
  IO = 0x10,
  NET = 0x20,
  DISK = 0x40,
  FS = 0x80,
  ALL = 0xff,
}

export enum Ev {
  ProcCreate = 0x0101, // (pid, parent)
  ProcExit = 0x0102, // (pid, kill reason, status)
  Syscall = 0x0103, // (pid, nr, result)
  FrameAlloc = 0x0201, // (frame, kind)
  FrameFree = 0x0202, // (frame)
  Map = 0x0203, // (pid, va, pte)
  Unmap = 0x0204, // (pid, va, frame)
  Protect = 0x0205, // (pid, va, pte)
  RegionCreate = 0x0206, // (pid, va, len)
  RegionRemove = 0x0207, // (pid, va, len)
  TlbInval = 0x0401, // (cpu, asid, va)
  TlbShootdown = 0x0402, // (cpu, asid, va) cpu = remote target
  TlbFlush = 0x0403, // (cpu, asid)
  Fault = 0x0801, // (pid, va, access)
  FaultResolved = 0x0802, // (pid, va, Counter of the kind of resolution)
  FaultFatal = 0x0803, // (pid, va, Kill reason)
  IoOutput = 0x1001, // (pid, semantics, len)
  IoOutputDone = 0x1002, // (pid, semantics, len)
  IoInput = 0x1003, // (pid, semantics, len)
  NetTx = 0x2001, // (nic, length, descriptors)
  NetRx = 0x2002, // (nic, queue, length)
  NetDrop = 0x2003, // (nic, Drop reason, length)
  NetDeliver = 0x2004, // (port, length, pid waiting or 0)
  NetPatch = 0x2005, // (physical address, length, 0) header patching put saved data back over a packet's headers
  DiskSubmit = 0x4001, // (request id, DiskOp, block)
  DiskDone = 0x4002, // (request id, block, 0 or -errno)
  FsBlock = 0x8001, // (pid, request id or 0, commit generation or 0): a call blocked (SYS_RESTART)
  FsCommit = 0x8002, // (generation, blocks in the transaction, 0 or -errno when it ended) at its start and end
  FsEvict = 0x8003, // (frame, object, page) the clock evicted a clean page
  FsWriteback = 0x8004, // (frame, block, request id) a dirty page is written back from its frame
}

// ---- Frame table layout (read by the host's frames map) --------------------------------------
//
// One 32-byte record per frame, at frameTablePtr() + frame * FRAME_META_SIZE.
//
//   0      2    3     4        6       8       10     12      16      20      24     28     32
//  +------+----+-----+--------+-------+-------+------+-------+-------+-------+------+------+
//  | refs |kind|flags| outRef | inRef | wired | maps | owner | index | next  |  pv  | gen  |
//  +------+----+-----+--------+-------+-------+------+-------+-------+-------+------+------+
//   refs   memory-object slots and kernel holds that keep the frame allocated
//   outRef / inRef  pending output / input I/O on the frame (Genie's I/O reference counts)
//   wired  pins (share semantics); maps  mappings (length of the pv list)
//   owner / index   the memory object holding it and the page index there (0 if none)
//   next   free-list link; pv  head of the list of mappings; gen  bumped at each reuse

export const FRAME_META_SIZE = 32;

/** Never-allocated frames the quick invariant check (without scrubbing) looks at each time, the
 *  next ones in turn (vm/check.ts): a record spoiled there is reported within
 *  ceil(frames / CHECK_SWEEP_FRAMES) quick checks, by the full check at once. */
export const CHECK_SWEEP_FRAMES: u32 = 256;
export enum FrameField {
  REFS = 0,
  KIND = 2,
  FLAGS = 3,
  OUTREF = 4,
  INREF = 6,
  WIRED = 8,
  MAPS = 10,
  OWNER = 12,
  INDEX = 16,
  NEXT = 20,
  PV = 24,
  GEN = 28,
}

// ---- Inspection fields (procInfo / regionInfo) ------------------------------------------------

export enum ProcField {
  STATE = 0,
  CPU = 1,
  PARENT = 2,
  PD = 3, // page-directory frame
  KILL = 4, // Kill reason once ZOMBIE
  KILL_VA = 5,
  KILL_ACCESS = 6,
  STATUS = 7,
  CPU_MASK = 8, // CPUs whose TLB may hold this address space
  REGIONS = 9,
  RESULT = 10, // result of the blocking call that completed
  RET0 = 11, // its second results (recvfrom: source ip, source port)
  RET1 = 12,
  RET2 = 13,
}

export enum RegionField {
  START = 0,
  END = 1,
  PROT = 2,
  SHARED = 3,
  OBJECT = 4, // memory-object id
  PGOFF = 5,
}

// ---- Network drop reasons ------------------------------------------------------------------
//
// Why the network stack threw an input frame (or a pending datagram) away: one member per class
// of malformed or unwanted input, or of resource that ran out. base/drop.ts keeps one u64
// counter per reason, indexed by this enum (read by the host at dropsPtr()), and the frames of
// each fate (fatesPtr()); None (0) means "not dropped" (delivered, in the fates).

export enum Drop {
  None = 0,
  Truncated, // frame shorter than the headers it must hold
  BadProto, // ethertype not IPv4, or IP protocol not UDP
  BadIpHeader, // IP version not 4, or header length (IHL) below 5 words
  BadIpLength, // IP total length below its header length or beyond the frame
  BadIpChecksum, // IP header checksum wrong
  BadUdpLength, // UDP length below 8 or beyond the IP payload
  BadUdpChecksum, // UDP checksum present and wrong
  FragOverlap, // fragment overlaps another at a different offset: whole datagram dropped
  FragDuplicate, // exact repeat (same offset, same length) of a held fragment: repeat dropped
  FragOversize, // fragment reaches past the largest IP datagram (65535 bytes)
  FragLength, // lengths disagree: empty fragment, non-final data not a multiple of 8, or a
  //             final fragment / fragment end in conflict with the known datagram length
  ReasmTableFull, // too many datagrams under reassembly
  ReasmMemory, // too many fragment bytes (or fragments) held by reassembly
  ReasmTimeout, // datagram still incomplete when its reassembly time ran out
  NoSocket, // no socket bound to the destination port (closed port)
  SocketFull, // the socket's receive queue is full
  NotForUs, // destination address is not this NIC's (nor broadcast)
  NoMemory, // no frame to move a packet that missed its receive plan out of the layout
  NoBuffer, // the NIC found no receive buffer posted for the frame (ring empty or too short):
  //           missed by the adapter, counted by the driver (NicReg.RX_MISSED)
  COUNT,
}

// ---- Data-passing semantics (docs/data-passing.md §4) ----------------------------------------------
//
// Every call that moves user data takes one. DEFAULT means the process's default: emulated copy
// when the optimisation is on, copy when it is off. In flags, the semantics is bits 0..3.

export enum Sem {
  DEFAULT = 0,
  COPY = 1,
  EMULATED_COPY = 2,
  SHARE = 3,
  EMULATED_SHARE = 4,
  MOVE = 5,
  EMULATED_MOVE = 6,
  WEAK_MOVE = 7,
  EMULATED_WEAK_MOVE = 8,
  COUNT = 9,
}
export const SEM_MASK = 0xf;
/** zIO (kernel/io/zio.ts): the copy size from which memcpy elides, unless the process says
 *  otherwise (ZIO_CONFIG): 16 KiB (ours). */
export const ZIO_DEFAULT_THRESHOLD = 16384;

/** IO-Lite windows (kernel/io/iolite.ts): pool k's window is IOL_POOL_PAGES pages at
 *  IOL_WINDOW_BASE + k * IOL_POOL_PAGES * PAGE_SIZE, the same address in every member. */
export const IOL_WINDOW_BASE = 0x70000000;
export const IOL_POOL_PAGES = 4096;
export const IOL_MAX_POOLS = 15;
/** The most slices one aggregate passes, and the largest buffer (one datagram's worth). */
export const IOL_MAX_SLICES = 1024;
export const IOL_MAX_BUF = 1 << 20;

/** Flags of sendto / recvfrom beyond the semantics. */
export enum MsgFlag {
  DONTWAIT = 0x100, // never block: -EAGAIN instead
  ZEROCOPY = 0x200, // MSG_ZEROCOPY (send, copy semantics): pin the pages, notify completion (ZC_NOTIFY)
}

// ---- NIC hardware interface ----------------------------------------------------------------------
//
// The driver (drivers/nic.ts) and the device model (tools/host/nic.ts) meet only here: descriptor
// rings in RAM, register writes (the host.nicWrite import; writing a TAIL register is the doorbell)
// and the completion interrupt (the kernel's nicInterrupt export).
//
//  TX descriptor (16 bytes, NIC_TX_DESCS per ring, one ring frame)
//   0            4        6        8           10         12           16
//  +------------+--------+--------+-----------+----------+------------+
//  |  addr (pa) |  len   | flags  | csumStart | csumOff  |   status   |
//  +------------+--------+--------+-----------+----------+------------+
//   A packet is one or more descriptors (gather list), the last flagged EOP. With CSUM the device
//   sums (one's complement) bytes [csumStart, end) of every packet of the group, the 16-bit field
//   at csumOff of the group's first packet included: the driver puts the seed there (the pseudo-
//   header sum), inside that range at an even distance from csumStart. It stores the complement
//   of the sum in that field before sending any packet of the group (the group ends with a
//   packet flagged CSUM_END).
//
//  RX descriptor (32 bytes, NIC_RX_DESCS per ring, one ring frame per queue)
//   0          4          8        10       12       14       16       18       20           32
//  +----------+----------+--------+--------+--------+--------+--------+--------+------------+
//  | hdrAddr  | bufAddr  | bufCap | hdrCap | len    | status | hdrLen | sum    |  reserved  |
//  +----------+----------+--------+--------+--------+--------+--------+--------+------------+
//   The device writes a packet into bufAddr (and, with header split, its headers into hdrAddr),
//   continuing into the next descriptors' buffers if it is longer; the last one is flagged EOP.
//   len = bytes written to the buffer, hdrLen = bytes written to the header buffer, sum = one's-
//   complement sum of the packet's IP payload (valid with CSUM: checksum offload).

export const ETH_HLEN = 14; // Ethernet II header: destination, source, ethertype

// Wire formats the adapter parses too (early demultiplexing, header split, checksum offload):
// byte offsets of the fields it reads, in network byte order. The kernel's protocol code lays
// the same headers out as @unmanaged classes (net/ipv4.ts, net/udp.ts) and takes these numbers
// from here.
export const ETH_TYPE_OFF = 12; // ethertype, in the Ethernet header
export const ETHERTYPE_IPV4 = 0x0800;
export const IP4_HLEN = 20; // IPv4 header without options
/** IPv4 header fields: byte offsets. */
export enum Ip4Off {
  VER_IHL = 0, // version (4) << 4 | header length in 32-bit words
  LEN = 2, // total length
  ID = 4,
  FRAG = 6, // flags (IP_MF) << 13 | fragment offset in 8-byte units (IP_OFFMASK)
  PROTO = 9,
  SRC = 12,
  DST = 16,
}
export const IP_MF = 0x2000; // more fragments follow
export const IP_OFFMASK = 0x1fff; // fragment offset, 8-byte units
export const IPPROTO_UDP = 17;
/** Jumbogram option (net/jumbo.ts): type, length, then the 32-bit offset at JUMBO_OPT_OFF. */
export const JUMBO_OPT = 0x9e;
export const JUMBO_OPTLEN = 12;
export const JUMBO_OPT_OFF = 8;
export const UDP_HLEN = 8;
/** UDP header fields: byte offsets. */
export enum UdpOff {
  SPORT = 0,
  DPORT = 2,
  LEN = 4,
  CSUM = 6,
}
/** There is no ARP: a NIC's MAC address is 02:00 followed by its IPv4 address. */
export const MAC_PREFIX = 0x0200;
export const NIC_TX_DESC = 16;
export const NIC_TX_DESCS = 256;
export const NIC_RX_DESC = 32;
export const NIC_RX_DESCS = 128;
export const NIC_QUEUES = 8; // receive queue 0 is the default; 1.. are steered (early demux)
export const NIC_HDR_SLOT = 64; // header buffer per descriptor (TX headers, RX header split)

export enum NicTx {
  ADDR = 0,
  LEN = 4,
  FLAGS = 6,
  CSUM_START = 8,
  CSUM_OFF = 10,
  STATUS = 12,
}
export enum NicRx {
  HDR_ADDR = 0,
  BUF_ADDR = 4,
  BUF_CAP = 8,
  HDR_CAP = 10,
  LEN = 12,
  STATUS = 14,
  HDR_LEN = 16,
  SUM = 18,
}
export enum NicTxFlag {
  EOP = 1,
  CSUM = 2,
  CSUM_END = 4,
}
export enum NicStatus {
  DONE = 1,
  EOP = 2,
  SPLIT = 4, // headers went to the header buffer
  CSUM = 8, // sum is valid
}
/** Registers: nicWrite(nic, reg, queue, value). */
export enum NicReg {
  TX_RING = 1, // pa of the TX ring
  TX_TAIL = 2, // doorbell: descriptors before this index are ready
  RX_RING = 3, // pa of queue's RX ring
  RX_TAIL = 4, // doorbell: buffers before this index are posted
  STEER = 5, // steer UDP port `queue` to receive queue `value` (0 = default): early demux
  RX_MISSED = 6, // read (nicRead): frames missed for want of a posted buffer since the last read
}
/** Device features, fixed when the NIC is built (nicAttach's features argument). */
export enum NicFeature {
  HEADER_SPLIT = 1,
  CSUM_OFFLOAD = 2,
  EARLY_DEMUX = 4,
}

// ---- Block device interface ------------------------------------------------------------------
//
// The block driver (drivers/block.ts, where the ring and its descriptor are drawn) and the disk
// model (tools/host/disk.ts) meet only here: a request ring in one RAM frame, the doorbell (the
// host.diskDoorbell import) and the completion interrupt (the kernel's diskInterrupt export).
//   ring frame: done u32 at DISK_RING_DONE, then DISK_RING_SIZE descriptors from DISK_RING_DESCS
//   descriptor: op u16 | status u16 | block u32 | pa u32 | tag u32   (DISK_DESC_SIZE bytes)
// diskDoorbell(tail): requests with index < tail (a count wrapping at 2^32) are ready; request i
// uses descriptor i mod DISK_RING_SIZE. The device serves them one at a time in index order; for
// each it moves DISK_BLOCK_SIZE bytes by DMA, writes the status, then done = i + 1, then interrupts.

export const DISK_BLOCK_SIZE = 4096;
export const DISK_RING_SIZE = 128; // a power of two
export const DISK_RING_DONE = 0;
export const DISK_RING_DESCS = 64;
export const DISK_DESC_SIZE = 16;

export enum DiskDesc {
  OP = 0,
  STATUS = 2,
  BLOCK = 4,
  PA = 8,
  TAG = 12,
}
export enum DiskOp {
  READ = 1, // disk block -> RAM
  WRITE = 2, // RAM -> disk block
}
export enum DiskStatus {
  PENDING = 0, // not completed (what the driver writes)
  OK = 1,
  EIO = 2, // media error: nothing transferred
  BADREQ = 3, // bad op, block beyond the disk or buffer beyond RAM: nothing transferred
}

// ---- On-disk file system ----------------------------------------------------------------------
//
// The kernel (fs/) and the host tools (tools/host/fs: mkfs, fsck) read the layout from here only.
// Block size DISK_BLOCK_SIZE (4 KiB); every number on disk is little-endian.
//
//   block 0      logStart ..         bitmapStart ..     inodeStart ..          dataStart .. blocks-1
//  +----------+--------------------+------------------+----------------------+----------------------+
//  |superblock| log: header block,  | block bitmap:    | inode table:         | data: file and       |
//  |          | then logBlocks - 1 | 1 bit per block, | FS_INODES_PER_BLOCK  | directory pages,     |
//  |          | logged block copies| 1 = in use       | inodes per block     | indirect blocks      |
//  +----------+--------------------+------------------+----------------------+----------------------+
//
//  superblock (u32 fields at these offsets of block 0; the rest of the block is zero)
//   0      4        8       12       16       20        24       28        32       36        40       44     48
//  +------+--------+-------+--------+--------+---------+--------+---------+--------+---------+--------+------+-------+
//  |magic |version |blocks |inodes  |logStart|logBlocks|bmStart |bmBlocks |inStart |inBlocks |dataStart| root | clean |
//  +------+--------+-------+--------+--------+---------+--------+---------+--------+---------+--------+------+-------+
//   clean: 1 when the file system was unmounted cleanly (mkfs, unmount); 0 while mounted read-write
//
//  log header (block logStart): n, then the home block of each of the n logged blocks; log block
//  logStart + 1 + i holds the new contents of block[i]. n > 0 on disk = a committed transaction.
//   0     4          8          4 + 4n
//  +-----+----------+----------+-- ... --+
//  |  n  | block[0] | block[1] |         |
//  +-----+----------+----------+-- ... --+
//
//  inode (FS_INODE_SIZE bytes; inode 0 is never used; FS_ROOT_INO is the root directory)
//   0      2       4         8              16                         64         68          72        128
//  +------+-------+---------+--------------+--------------------------+----------+-----------+---------+
//  | type | links | nblocks | size (u64)   | direct[12]: data blocks  | indirect | dindirect | (zero)  |
//  +------+-------+---------+--------------+--------------------------+----------+-----------+---------+
//   type FsType; links: directory entries naming it (a directory's own "." and its children's ".."
//   count); nblocks: blocks it owns, data and indirect; a block number 0 is a hole (reads as zeroes).
//   Page p of the file: p < 12 direct[p]; p < 12 + 1024 entry p - 12 of the indirect block; else
//   entry q / 1024 of the double-indirect block names an indirect block, entry q % 1024 of it the
//   data (q = p - 1036). The bytes of the last page beyond the size are always zero.
//
//  directory entry (FS_DIRENT_SIZE bytes; a directory is a file of these; ino 0 = a free slot;
//  every directory starts with "." (itself) and ".." (its parent; the root's is itself))
//   0      4                                                        64
//  +------+---------------------------------------------------------+
//  | ino  | name: 1 .. FS_NAME_MAX bytes, no "/" or NUL, NUL-padded  |
//  +------+---------------------------------------------------------+
//
//  stat result (FS_STAT_SIZE bytes, written to user memory by stat and fstat)
//   0      4      8       12        16           24        32
//  +------+------+-------+---------+------------+---------+
//  | ino  | type | links | nblocks | size (u64) | (zero)  |
//  +------+------+-------+---------+------------+---------+

export const FS_MAGIC = 0x53464e47; // the bytes "GNFS"
export const FS_VERSION = 1;
export const FS_INODE_SIZE = 128;
export const FS_INODES_PER_BLOCK = 32;
export const FS_BITS_PER_BLOCK = 32768;
export const FS_NDIRECT = 12;
export const FS_NINDIRECT = 1024;
/** Pages a file can have: 12 direct + 1024 indirect + 1024 x 1024 double indirect (a little over 4 GiB). */
export const FS_MAX_PAGES = 1049612;
export const FS_DIRENT_SIZE = 64;
export const FS_NAME_MAX = 59;
export const FS_PATH_MAX = 1024;
export const FS_ROOT_INO = 1;
/** Most blocks one transaction can log: what the header block can name. */
export const FS_LOG_MAX = 1023;
export const FS_STAT_SIZE = 32;

export enum FsSuper {
  MAGIC = 0,
  VERSION = 4,
  BLOCKS = 8,
  INODES = 12,
  LOG_START = 16,
  LOG_BLOCKS = 20,
  BITMAP_START = 24,
  BITMAP_BLOCKS = 28,
  INODE_START = 32,
  INODE_BLOCKS = 36,
  DATA_START = 40,
  ROOT = 44,
  CLEAN = 48,
  SIZE = 52,
}
export enum FsInode {
  TYPE = 0,
  LINKS = 2,
  NBLOCKS = 4,
  SIZE = 8,
  DIRECT = 16,
  INDIRECT = 64,
  DINDIRECT = 68,
}
export enum FsType {
  FREE = 0,
  FILE = 1,
  DIR = 2,
}
export enum FsStat {
  INO = 0,
  TYPE = 4,
  LINKS = 8,
  NBLOCKS = 12,
  SIZE = 16,
}
/** open's flags (the Linux values). */
export enum OpenFlag {
  RDONLY = 0,
  WRONLY = 1,
  RDWR = 2,
  ACCMODE = 3,
  CREAT = 0x40,
  EXCL = 0x80,
  TRUNC = 0x200,
}
export enum Seek {
  SET = 0,
  CUR = 1,
  END = 2,
}
/** fsMount's flags. */
export enum MountFlag {
  READONLY = 1,
}
/** fsInfo(field): the file system's state, for inspection. */
export enum FsInfo {
  MOUNTED = 0, // 1 once mounted
  READONLY = 1,
  FAILED = 2, // 1 after a write error: every change is refused with EIO
  DIRTY_PAGES = 3, // file pages not yet written back
  TXN_BLOCKS = 4, // blocks logged in the open transaction
  COMMITS = 5, // transactions committed
  EVICTIONS = 6, // clean pages the clock evicted
  WRITEBACKS = 7, // file pages written back
  CACHED_INODES = 8,
  COUNT = 9,
}
