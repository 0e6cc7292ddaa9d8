// sendfile, splice / vmsplice through a pipe, and MSG_ZEROCOPY (docs/peers.md §1).
import { describe, expect, it } from "vitest";
import { diffCounters, Errno, PAGE_SIZE, Prot, Sem, SyscallError } from "../../tools/host/index";
import { expectBytes, machine, pattern, world } from "./machines";
import { fileSender as sender, pair } from "./netpair";


/** a (with a file system holding /f = data) sends to b; both sockets connected. */
const fileSender = (data: Uint8Array) => sender(data, { seed: 5 });

const N = 16 * PAGE_SIZE + 100;

describe("sendfile", () => {
  it("sends a file's bytes from the page cache with no CPU copy, the datagram byte-exact", async () => {
    const data = pattern(N, 3);
    const { a, pa, pb, fa, fb } = await fileSender(data);
    const fd = pa.open("/f");
    const vb = pb.mmap(N);
    const rx = pb.postRecv(fb, vb, N);
    const c = a.counters();
    expect(pa.sendfile(fa, fd, N)).toBe(N);
    expect(rx.wait().len).toBe(N);
    a.world.run();
    const d = diffCounters(c, a.counters());
    expect(d.bytesCopied).toBe(0);
    expect(d.pagesSpliced).toBe(17);
    expectBytes(pb.load(vb, N), data);
  });

  it("sends the file as it was at the call, whatever write() and a MAP_SHARED store do during the output", async () => {
    const data = pattern(N, 4);
    const { a, pa, pb, fa, fb } = await fileSender(data);
    const fd = pa.open("/f", { read: true, write: true });
    const map = pa.mmap(N, { fd, shared: true });
    pa.load(map, N); // mapped, so the send must write-protect the mapping
    const vb = pb.mmap(N);
    const rx = pb.postRecv(fb, vb, N);
    expect(pa.sendfile(fa, fd, N, 0)).toBe(N);
    pa.store(map + 5, [0xee, 0xee]); // a store through the mapping while the NIC still gathers
    const buf = pa.mmap(PAGE_SIZE);
    pa.fill(buf, PAGE_SIZE, 0x11);
    pa.lseek(fd, 2 * PAGE_SIZE);
    pa.write(fd, buf, PAGE_SIZE); // and a write()
    expect(rx.wait().len).toBe(N);
    a.world.run();
    expectBytes(pb.load(vb, N), data);
    expect(pa.load(map + 5, 2)).toEqual(new Uint8Array([0xee, 0xee])); // the writers see their own bytes
    expect(pa.load(map + 2 * PAGE_SIZE, 4)).toEqual(new Uint8Array([0x11, 0x11, 0x11, 0x11]));
  });

  it("from an offset, stopping at the end of the file; bad descriptors get clear errors", async () => {
    const data = pattern(N, 5);
    const { pa, pb, fa, fb } = await fileSender(data);
    const fd = pa.open("/f");
    const vb = pb.mmap(N);
    const rx = pb.postRecv(fb, vb, N);
    expect(pa.sendfile(fa, fd, N, 1000)).toBe(N - 1000);
    expect(rx.wait().len).toBe(N - 1000);
    expectBytes(pb.load(vb, N - 1000), data.subarray(1000));
    expect(pa.sendfile(fa, fd, 10, N)).toBe(0);
    expect(() => pa.sendfile(fd, fd, 10)).toThrow(expect.objectContaining({ errno: Errno.ENOTSOCK }));
    expect(() => pa.sendfile(fa, fa, 10)).toThrow(expect.objectContaining({ errno: Errno.EINVAL }));
    expect(() => pa.sendfile(fa, 30, 10)).toThrow(expect.objectContaining({ errno: Errno.EBADF }));
  });
});

describe("splice and vmsplice through a pipe", () => {
  it("file -> pipe -> socket: the pages go by reference, a later write() of the file does not reach the pipe", async () => {
    const data = pattern(N, 6);
    const { a, pa, pb, fa, fb } = await fileSender(data);
    const fd = pa.open("/f", { read: true, write: true });
    const [r, w] = pa.pipe();
    const c = a.counters();
    expect(pa.splice(fd, w, N)).toBe(N);
    const buf = pa.mmap(PAGE_SIZE);
    pa.fill(buf, PAGE_SIZE, 0x22);
    pa.write(fd, buf, PAGE_SIZE); // the file changes while its old pages sit in the pipe
    const vb = pb.mmap(N);
    const rx = pb.postRecv(fb, vb, N);
    expect(pa.splice(r, fa, N)).toBe(N);
    expect(rx.wait().len).toBe(N);
    a.world.run();
    expectBytes(pb.load(vb, N), data);
    const d = diffCounters(c, a.counters());
    expect(d.bytesCopied).toBe(2 * PAGE_SIZE); // the write() and its TCOW copy of the page in the pipe; nothing else
    expect(d.pagesSpliced).toBe(2 * 17);
    pa.close(r);
    pa.close(w);
  });

  it("vmsplice pins the application's pages into the pipe; read() copies them out; closing the pipe lets go", async () => {
    const m = await machine();
    const free0 = m.freeFrames;
    const p = m.spawn();
    const [r, w] = p.pipe();
    const va = p.mmap(3 * PAGE_SIZE), out = p.mmap(3 * PAGE_SIZE);
    const data = pattern(2 * PAGE_SIZE + 10, 7);
    p.store(va + 100, data);
    expect(p.vmsplice(w, va + 100, data.length)).toBe(data.length);
    expect(m.counters().wires).toBe(3);
    expect(p.read(r, out, 1000)).toBe(1000);
    expect(p.read(r, out + 1000, 3 * PAGE_SIZE)).toBe(data.length - 1000); // short read: the pipe is empty
    expectBytes(p.load(out, data.length), data);
    expect(m.counters().unwires).toBe(3);
    p.write(w, va + 100, 50);
    expect(() => p.read(r, out, 10)).not.toThrow();
    p.close(w);
    p.close(r);
    p.exit(0);
    expect(m.freeFrames).toBe(free0);
  });

  it("vmspliced pages sent with splice are pinned until the NIC is done", async () => {
    const { a, pa, pb, fa, fb } = await pair({ mtu: 9000 });
    pa.connect(fa, "10.0.0.2", 2000);
    const va = pa.mmap(N);
    const data = pattern(N, 8);
    pa.store(va, data);
    const [r, w] = pa.pipe();
    expect(pa.vmsplice(w, va, N)).toBe(N);
    const vb = pb.mmap(N);
    const rx = pb.postRecv(fb, vb, N);
    const c = a.counters();
    expect(pa.splice(r, fa, N)).toBe(N);
    expect(rx.wait().len).toBe(N);
    a.world.run();
    expectBytes(pb.load(vb, N), data);
    expect(diffCounters(c, a.counters()).bytesCopied).toBe(0);
    expect(a.counters().wires).toBe(a.counters().unwires);
  });

  it("refuses what it cannot do: splice between two files, an empty pipe, a closed reader", async () => {
    const { pa, fa } = await fileSender(pattern(100, 9));
    const fd = pa.open("/f");
    const [r, w] = pa.pipe();
    expect(() => pa.splice(fd, fd, 10)).toThrow(expect.objectContaining({ errno: Errno.EINVAL }));
    expect(() => pa.splice(r, fa, 10)).toThrow(expect.objectContaining({ errno: Errno.EAGAIN }));
    expect(() => pa.splice(w, fa, 10)).toThrow(expect.objectContaining({ errno: Errno.EBADF }));
    pa.close(r);
    expect(() => pa.splice(fd, w, 10)).toThrow(expect.objectContaining({ errno: Errno.EPIPE }));
  });
});

describe("MSG_ZEROCOPY", () => {
  async function zcPair() {
    const p = await pair({ mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true });
    p.pa.connect(p.fa, "10.0.0.2", 2000);
    return p;
  }

  it("pins the pages instead of copying; the notification reports the send; the bytes arrive exact", async () => {
    const { a, pa, pb, fa, fb } = await zcPair();
    const va = pa.mmap(N), vb = pb.mmap(N);
    const data = pattern(N, 10);
    pa.store(va, data);
    const rx = pb.postRecv(fb, vb, N);
    const c = a.counters();
    pa.sendto(fa, va, N, { zerocopy: true });
    expect(pa.zcId).toBe(0);
    expect(pa.zcNotify(fa)).toEqual({ first: 0, last: 0, copied: false });
    expect(rx.wait().len).toBe(N);
    const d = diffCounters(c, a.counters());
    expect(d.wires).toBe(16);
    expect(d.unwires).toBe(16);
    expect(d.bytesCopied).toBe(100); // the last page holds 100 bytes: cheaper to copy than to pin
    expect(d.zcCopied).toBe(100);
    expect(d.notifications).toBe(1);
    expectBytes(pb.load(vb, N), data);
  });

  it("the buffer is reusable only after its notification: a write before it may reach the wire, after it never", async () => {
    const { a, pa, pb, fa, fb } = await zcPair();
    const va = pa.mmap(N), vb = pb.mmap(N);
    const data = pattern(N, 11);
    pa.store(va, data);
    let rx = pb.postRecv(fb, vb, N);
    pa.sendto(fa, va, N, { zerocopy: true });
    expect(pa.zcNotify(fa, { dontwait: true })).toBeNull(); // not sent yet
    pa.fill(va, PAGE_SIZE, 0x55); // too early: weak integrity
    rx.wait();
    expect(pb.load(vb, 4)).toEqual(new Uint8Array([0x55, 0x55, 0x55, 0x55]));
    expect(pa.zcNotify(fa)).toEqual({ first: 0, last: 0, copied: false });
    // The right way: wait for the notification, then reuse.
    pa.store(va, data);
    rx = pb.postRecv(fb, vb, N);
    pa.sendto(fa, va, N, { zerocopy: true });
    expect(pa.zcNotify(fa)).toEqual({ first: 1, last: 1, copied: false });
    pa.fill(va, N, 0x66);
    rx.wait();
    a.world.run();
    expectBytes(pb.load(vb, N), data);
  });

  it("small sends are copied and flagged 'copied'; consecutive completions merge into one range", async () => {
    const { a, pa, pb, fa, fb } = await zcPair();
    const va = pa.mmap(PAGE_SIZE), vb = pb.mmap(PAGE_SIZE);
    pa.fill(va, 64, 9);
    for (let i = 0; i < 3; i++) pa.sendto(fa, va, 64, { zerocopy: true });
    a.world.run();
    expect(pa.zcNotify(fa)).toEqual({ first: 0, last: 2, copied: true });
    expect(pa.zcNotify(fa)).toBeNull();
    expect(a.counters().wires).toBe(0);
    for (let i = 0; i < 3; i++) expect(pb.recvfrom(fb, vb, 64)!.len).toBe(64);
  });

  it("is refused with other semantics and on channels", async () => {
    const { pa, fa } = await zcPair();
    const va = pa.mmap(PAGE_SIZE);
    expect(() => pa.sendto(fa, va, 100, { zerocopy: true, sem: Sem.EMULATED_COPY })).toThrow(expect.objectContaining({ errno: Errno.EINVAL }));
    const [c0] = pa.channel();
    expect(() => pa.sendto(c0, va, 100, { zerocopy: true })).toThrow(SyscallError);
    expect(() => pa.zcNotify(c0)).toThrow(expect.objectContaining({ errno: Errno.ENOTSOCK }));
    void Prot;
  });
});
