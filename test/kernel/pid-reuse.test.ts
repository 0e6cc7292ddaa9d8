// test/kernel/pid-reuse.test.ts — a process that dies with I/O in flight or a call waiting leaves
// nothing that names its pid: the next process given the pid (the lowest free slot, so at once)
// is not woken, not handed the dead one's completions, and keeps its own pages and regions.
//
// Each test blocks a bystander first: a fresh process given the dead one's pid, waiting in a
// receive on a port of its own. A wake meant for the dead process would end that receive; the
// receive is completed at the end by a datagram of its own, byte for byte, to show it was intact.

import { describe, expect, it } from "vitest";
import { diffCounters, Errno, PAGE_SIZE, ProcState, Sem, Sys, SYS_BLOCKED, type Machine, type Process } from "../../tools/host/index";
import { expectBytes, machine, pattern } from "./machines";
import { pair } from "./netpair";

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
});
