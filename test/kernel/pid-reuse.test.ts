// test/kernel/pid-reuse.test.ts — a process that dies with I/O in flight or a call waiting leaves
// nothing that names its pid: the next process given the pid (the lowest free slot, so at once)
// is not woken, not handed the dead one's completions, and keeps its own pages and regions.
//
// Where a wake could go astray, the pid goes to a bystander: a fresh process waiting in a receive
// on a port of its own. A wake meant for the dead process would end that receive; the receive is
// completed at the end by a datagram of its own, byte for byte, to show it was intact.

import { describe, expect, it } from "vitest";
import { Access, diffCounters, Errno, ioLite, PAGE_SIZE, ProcField, ProcState, Sem, Sys, SYS_BLOCKED, SYS_RESTART, SyscallError, type Machine, type Process } from "../../tools/host/index";
import { fsMachine } from "./fs-helpers";
import { expectBytes, machine, pattern } from "./machines";
import { fileSender, pair } from "./netpair";

const PORT = 4000;

/** bystander: a new process on m (expected to get pid), waiting in a receive on PORT. */
function bystander(m: Machine, pid: number) {
  const p = m.spawn();
  expect(p.pid).toBe(pid);
  const fd = p.socket();
  p.bind(fd, PORT);
  const va = p.mmap(PAGE_SIZE);
  const rx = p.postRecv(fd, va, 100);
  expect(p.state).toBe(ProcState.BLOCKED);
  return { p, rx, va };
}

/** stillWaits: b's receive was not ended by anything of the dead process's; a datagram of its own
 *  from `from` completes it, byte for byte. */
function stillWaits(b: ReturnType<typeof bystander>, from: Process): void {
  expect(b.p.state).toBe(ProcState.BLOCKED);
  expect(b.rx.ready).toBe(false);
  const fd = from.socket();
  const va = from.mmap(PAGE_SIZE);
  const data = pattern(77, 5);
  from.store(va, data);
  from.sendto(fd, va, 77, { ip: "127.0.0.1", port: PORT });
  expect(b.rx.wait().len).toBe(77);
  expectBytes(b.p.load(b.va, 77), data);
  from.close(fd);
}

/** errnoOf: the errno of the SyscallError f throws (0 if it returns). */
function errnoOf(f: () => void): number {
  try {
    f();
  } catch (e) {
    if (e instanceof SyscallError) return e.errno;
    throw e;
  }
  return 0;
}

describe("a pid given again after its process died with I/O in flight", () => {
  it("the completion of a dead sender's weak-semantics output does not wake the next process given its pid, though the sender died waiting for it", async () => {
    const m = await machine();
    const a = m.spawn();
    const [c0, c1] = a.channel();
    const s = a.fork(); // the sender that dies
    const vs = s.mmap(PAGE_SIZE);
    s.store(vs, [1, 2, 3]);
    s.sendto(c0, vs, 3, { sem: Sem.SHARE }); // queued on the channel: pending until a receives
    expect(s.syscall(Sys.IOWAIT, s.token)).toBe(SYS_BLOCKED);
    s.kill();
    s.reap();
    const b = bystander(m, s.pid);
    const before = m.counters();
    const vr = a.mmap(PAGE_SIZE);
    expect(a.recvfrom(c1, vr, 100, { dontwait: true })?.len).toBe(3); // the dead sender's output completes
    expect(Array.from(a.load(vr, 3))).toEqual([1, 2, 3]);
    expect(diffCounters(before, m.counters()).notifications).toBe(0);
    m.check();
    stillWaits(b, a);
  });

  it("a dead sender's completion token is not the next process's: iowait on it is refused before and after the output completes", async () => {
    const m = await machine();
    const a = m.spawn();
    const [c0, c1] = a.channel();
    const s = a.fork();
    const vs = s.mmap(PAGE_SIZE);
    s.store(vs, [1, 2, 3]);
    s.sendto(c0, vs, 3, { sem: Sem.WEAK_MOVE });
    const t = s.token;
    expect(t).toBeGreaterThan(0);
    s.kill();
    s.reap();
    const n = m.spawn();
    expect(n.pid).toBe(s.pid);
    for (const f of [ProcField.RESULT, ProcField.RET0, ProcField.RET1, ProcField.RET2]) expect(m.k.procInfo(n.pid, f)).toBe(0); // (s's sendto left t in RET0)
    expect(n.syscall(Sys.IOWAIT, t)).toBe(-Errno.EINVAL); // pending: not n's to wait for
    const vr = a.mmap(PAGE_SIZE);
    expect(a.recvfrom(c1, vr, 100, { dontwait: true })?.len).toBe(3);
    expect(n.syscall(Sys.IOWAIT, t)).toBe(-Errno.EINVAL); // done: not n's to collect
    expect(n.state).toBe(ProcState.RUNNABLE);
    m.check();
  });

  it("a MSG_ZEROCOPY completion of a sender that died waiting for it is not delivered to the next process given its pid; its pages are unpinned and the bytes arrive exact", async () => {
    const { world, a, pb, fb } = await pair();
    const N = 4 * PAGE_SIZE;
    const data = pattern(N, 3);
    const s = a.spawn();
    const fs = s.socket();
    const vs = s.mmap(N);
    s.store(vs, data);
    const vr = pb.mmap(N);
    const rx = pb.postRecv(fb, vr, N);
    const before = a.counters();
    s.sendto(fs, vs, N, { zerocopy: true, ip: "10.0.0.2", port: 2000 });
    expect(s.syscall(Sys.ZC_NOTIFY, fs, 0)).toBe(SYS_BLOCKED);
    s.kill();
    s.reap();
    const b = bystander(a, s.pid);
    world.run();
    const d = diffCounters(before, a.counters());
    expect(d.wires).toBe(4);
    expect(d.unwires).toBe(4);
    expect(d.notifications).toBe(0);
    expect(rx.wait().len).toBe(N);
    expectBytes(pb.load(vr, N), data);
    a.check();
    stillWaits(b, a.spawn());
  });

  it("a dead sender's MSG_ZEROCOPY completion is not queued for the next process given its pid, though it gets the same descriptor and port", async () => {
    const { world, a, pb, fb } = await pair();
    const s = a.spawn();
    const fs = s.socket();
    const vs = s.mmap(PAGE_SIZE);
    s.store(vs, pattern(100, 1));
    const vr = pb.mmap(PAGE_SIZE);
    const first = pb.postRecv(fb, vr, 100);
    s.sendto(fs, vs, 100, { zerocopy: true, ip: "10.0.0.2", port: 2000 }); // its id 0
    expect(a.nics[0].stats.txPackets).toBe(0); // still in flight as it dies
    s.kill();
    s.reap();
    const n = a.spawn();
    expect(n.pid).toBe(s.pid);
    const fn = n.socket();
    expect(fn).toBe(fs);
    const vn = n.mmap(PAGE_SIZE);
    n.store(vn, pattern(100, 2));
    n.sendto(fn, vn, 100, { zerocopy: true, ip: "10.0.0.2", port: 2000 }); // its own id 0
    const port = first.wait().port;
    expectBytes(pb.load(vr, 100), pattern(100, 1));
    expect(pb.recvfrom(fb, vr, 100)!.port).toBe(port); // the port of the dead one's socket, again
    expectBytes(pb.load(vr, 100), pattern(100, 2));
    world.run();
    expect(n.zcNotify(fn, { dontwait: true })).toEqual({ first: 0, last: 0, copied: true }); // (100 bytes: copied)
    expect(n.zcNotify(fn, { dontwait: true })).toBeNull();
    a.check();
  });

  it("a receive left waiting by a process that died (its buffer laid out for the NIC) does not complete in the next process given its pid: the datagram waits for the socket's other holder", async () => {
    const { world, a, pa, fa, pb, fb } = await pair({ earlyDemux: true, headerSplit: true });
    const s = pa.fork(); // shares pa's socket (port 1000), which stays open when s dies
    const vs = s.mmap(2 * PAGE_SIZE);
    s.postRecv(fa, vs, 2 * PAGE_SIZE, { sem: Sem.SHARE }); // the NIC's queue laid over s's frames
    s.kill();
    s.reap();
    const b = bystander(a, s.pid);
    const vp = pb.mmap(PAGE_SIZE);
    pb.store(vp, pattern(PAGE_SIZE, 4));
    pb.sendto(fb, vp, PAGE_SIZE, { ip: "10.0.0.1", port: 1000 });
    world.run();
    a.check();
    const vr = pa.mmap(2 * PAGE_SIZE);
    expect(pa.recvfrom(fa, vr, 2 * PAGE_SIZE, { dontwait: true })!.len).toBe(PAGE_SIZE);
    expectBytes(pa.load(vr, PAGE_SIZE), pattern(PAGE_SIZE, 4));
    stillWaits(b, pa);
  });

  it("an IO-Lite read left waiting by a process that died (a buffer of its pool laid out for the NIC) does not complete in the next process given its pid", async () => {
    const { world, a, pa, fa, pb, fb } = await pair({ earlyDemux: true, headerSplit: true });
    const s = pa.fork(); // shares pa's socket (port 1000)
    const ls = ioLite(s);
    const k = ls.pool();
    ls.postRead(fa, { pool: k, len: PAGE_SIZE }); // the adapter is to fill a buffer of k in place
    expect(s.state).toBe(ProcState.BLOCKED);
    s.kill();
    s.reap();
    const b = bystander(a, s.pid);
    const vp = pb.mmap(PAGE_SIZE);
    pb.store(vp, pattern(PAGE_SIZE, 10));
    pb.sendto(fb, vp, PAGE_SIZE, { ip: "10.0.0.1", port: 1000 });
    world.run();
    a.check();
    const vr = pa.mmap(PAGE_SIZE);
    expect(pa.recvfrom(fa, vr, PAGE_SIZE, { dontwait: true })!.len).toBe(PAGE_SIZE);
    expectBytes(pa.load(vr, PAGE_SIZE), pattern(PAGE_SIZE, 10));
    expect(errnoOf(() => ioLite(pa).alloc(k, 100))).toBe(Errno.EINVAL); // the pool went with its only member
    stillWaits(b, pa);
  });

  it("a channel receive left waiting by a process that died does not end in the next process given its pid when the sending end closes", async () => {
    const m = await machine();
    const a = m.spawn();
    const [c0, c1] = a.channel();
    const s = a.fork(); // holds both ends too
    s.postRecv(c1, s.mmap(PAGE_SIZE), 100);
    s.kill();
    s.reap();
    const b = bystander(m, s.pid);
    a.close(c0); // the last descriptor of the sending end: a waiting receive would end (0, end of messages)
    m.check();
    expect(a.recvfrom(c1, a.mmap(PAGE_SIZE), 100)!.len).toBe(0); // end of messages, for a
    stillWaits(b, a);
  });

  it("a process that died waiting for the disk is forgotten: the read's completion does not wake the next process given its pid", async () => {
    const { m, p } = await fsMachine({ blocks: 1024 });
    p.writeFile("/f", pattern(PAGE_SIZE, 6), { fsync: true });
    m.unmount();
    m.mount(); // /f is on disk only
    const s = m.spawn();
    const fd = s.open("/f");
    const va = s.mmap(PAGE_SIZE, { fd });
    const read0 = m.disk!.stats.bytesRead;
    expect(m.enter(s.cpu, s.clock, () => m.k.uaccess(s.pid, va, Access.READ)).value).toBe(SYS_RESTART);
    expect(s.state).toBe(ProcState.BLOCKED);
    s.kill();
    s.reap();
    const b = bystander(m, s.pid);
    m.world.run();
    expect(m.disk!.stats.bytesRead).toBeGreaterThan(read0); // the read it waited for completed
    m.check();
    stillWaits(b, p);
  });

  it("a dead IO-Lite member's pools and buffers are not the next process's: it is in no pool and holds no buffer", async () => {
    const m = await machine();
    const a = m.spawn();
    const la = ioLite(a);
    const k = la.pool();
    const [r, w] = a.pipe();
    const s = a.fork(); // holds the pipe's ends
    const ls = ioLite(s);
    const va = la.alloc(k, 100);
    a.store(va, pattern(100, 7));
    la.write(w, [{ va, len: 100 }]); // a keeps its reference; the pipe holds one
    const got = ls.read(r); // s joins the pool and holds the buffer
    expectBytes(ls.bytes(got), pattern(100, 7));
    const own = ls.alloc(k, 100); // s is the filler of a buffer of its own, writable to it alone
    s.store(own, [9]);
    s.kill();
    s.reap();
    const n = m.spawn();
    expect(n.pid).toBe(s.pid);
    const ln = ioLite(n);
    expect(errnoOf(() => ln.alloc(k, 100))).toBe(Errno.EACCES); // not a member
    expect(errnoOf(() => ln.free(got))).toBe(Errno.EINVAL); // holds none of the dead one's buffers
    expect(errnoOf(() => ln.free([{ va: own, len: 1 }]))).toBe(Errno.EINVAL);
    m.check();
    la.free([{ va, len: 100 }]);
    m.check();
  });

  it("a dead sender's sendfile and splice outputs complete without touching the next process given its pid: the bytes arrive exact, its regions and frames are as they were", async () => {
    const N = 3 * PAGE_SIZE;
    const data = pattern(N, 8);
    const { world, a, pa, fa, pb, fb } = await fileSender(data);
    const s = pa.fork(); // shares the connected socket
    const fd = s.open("/f");
    const [r, w] = s.pipe();
    const before = a.counters();
    expect(s.sendfile(fa, fd, N)).toBe(N);
    expect(s.splice(fd, w, N)).toBe(N);
    expect(s.splice(r, fa, N)).toBe(N);
    const sentAtExit = a.nics[0].stats.txPackets;
    s.kill();
    s.reap();
    const b = bystander(a, s.pid);
    const regions = b.p.regions();
    const frame = b.p.frameAt(b.va);
    const vr = pb.mmap(N);
    for (let i = 0; i < 2; i++) {
      expect(pb.recvfrom(fb, vr, N)!.len).toBe(N);
      expectBytes(pb.load(vr, N), data, `datagram ${i}`);
    }
    world.run();
    expect(a.nics[0].stats.txPackets).toBeGreaterThan(sentAtExit); // (the outputs were in flight at the exit)
    expect(diffCounters(before, a.counters()).notifications).toBe(0);
    expect(b.p.regions()).toEqual(regions);
    expect(b.p.frameAt(b.va)).toBe(frame);
    a.check();
    stillWaits(b, pa);
  });

  it("the next process given a dead one's pid (its address space id) sees none of its translations, on any CPU its TLB was cached on", async () => {
    const m = await machine({ cpus: 2 });
    m.spawn();
    const s = m.spawn();
    const va = s.mmap(PAGE_SIZE);
    s.store(va, [1, 2, 3]);
    s.setCpu(1);
    s.store(va, [4, 5, 6]); // cached on both CPUs
    s.exit();
    s.reap();
    const n = m.spawn();
    expect(n.pid).toBe(s.pid);
    expect(n.mmap(PAGE_SIZE)).toBe(va);
    expect(Array.from(n.load(va, 3))).toEqual([0, 0, 0]);
    n.setCpu(1);
    expect(Array.from(n.load(va, 3))).toEqual([0, 0, 0]);
    m.check();
  });

  it("the children of a dead process are not the next process's given its pid: it cannot wait for them", async () => {
    const m = await machine();
    m.spawn();
    const s = m.spawn();
    const c = s.fork();
    s.exit();
    s.reap();
    const n = m.spawn();
    expect(n.pid).toBe(s.pid);
    expect(() => n.wait(c)).toThrow(expect.objectContaining({ errno: Errno.ECHILD }));
    c.exit();
    expect(c.reap()).toBe(0);
  });
});
