import { describe, expect, it } from "vitest";
import { diffCounters, PAGE_SIZE, Sem } from "../../tools/host/index";
import { expectBytes, machine, pattern } from "./machines";
import { pair } from "./netpair";


describe("I/O-oriented IPC (channels)", () => {
  it("a copy-semantics message crosses into another process without a CPU copy, and the sender may write at once", async () => {
    const m = await machine();
    const client = m.spawn();
    const [c0, c1] = client.channel();
    const server = client.fork();
    const len = 16 * PAGE_SIZE;
    const data = pattern(len, 4);
    const va = client.mmap(len);
    client.store(va, data);
    const before = m.counters();
    const rx = server.postRecv(c1, 0, len, { sem: Sem.EMULATED_MOVE });
    client.sendto(c0, va, len, { sem: Sem.COPY });
    const got = rx.wait();
    const d = diffCounters(before, m.counters());
    expect(got.len).toBe(len);
    expect(d.bytesCopied).toBe(0);
    expectBytes(server.load(got.va, len), data);
    // The server sees the client's frames, read-only: a write by either side copies one page.
    expect(server.frameAt(got.va)).toBe(client.frameAt(va));
    const c = m.counters();
    client.store(va, [0xff]);
    expect(diffCounters(c, m.counters()).bytesCopied).toBe(PAGE_SIZE);
    expect(server.load(got.va, 1)[0]).toBe(data[0]);
    expect(client.frameAt(va)).not.toBe(server.frameAt(got.va));
  });

  it("a receiver that dies while waiting is not delivered to: the message waits for the next receive", async () => {
    const m = await machine();
    const a = m.spawn();
    const [c0, c1] = a.channel();
    const b = a.fork(); // b and a both hold end 1
    const vb = b.mmap(PAGE_SIZE), va = a.mmap(PAGE_SIZE);
    b.postRecv(c1, vb, 100);
    b.kill();
    a.store(va, [7, 8, 9]);
    a.sendto(c0, va, 3);
    const vr = a.mmap(PAGE_SIZE);
    expect(a.recvfrom(c1, vr, 100, { dontwait: true })?.len).toBe(3);
    expect(Array.from(a.load(vr, 3))).toEqual([7, 8, 9]);
  });

  it("a receive left posted by a process that died holds no channel end: the others that share it receive, and a process given its pid is never handed its message", async () => {
    const m = await machine();
    const a = m.spawn();
    const [c0, c1] = a.channel();
    const [d0, d1] = a.channel();
    const b = a.fork(); // b and a both hold end 1 of each channel
    const vb = b.mmap(PAGE_SIZE), va = a.mmap(PAGE_SIZE);
    b.postRecv(c1, vb, 100, { sem: Sem.EMULATED_WEAK_MOVE });
    b.kill();
    b.reap();
    // The end is free again: a's receive waits (no EBUSY) and gets the next message.
    const vr = a.mmap(PAGE_SIZE);
    expect(a.recvfrom(c1, vr, 100, { dontwait: true })).toBeNull();
    // A new process takes the dead one's pid and waits on the other channel.
    const c = a.fork();
    expect(c.pid).toBe(b.pid);
    const vc = c.mmap(PAGE_SIZE);
    const other = c.postRecv(d1, vc, 100);
    a.store(va, [7, 8, 9]);
    a.sendto(c0, va, 3);
    expect(other.ready).toBe(false);
    expect(Array.from(c.load(vc, 3))).toEqual([0, 0, 0]);
    expect(a.recvfrom(c1, vr, 100, { dontwait: true })?.len).toBe(3);
    expect(Array.from(a.load(vr, 3))).toEqual([7, 8, 9]);
    a.sendto(d0, va, 2);
    expect(other.wait().len).toBe(2);
    expect(Array.from(c.load(vc, 3))).toEqual([7, 8, 0]);
  });

  for (const sem of [Sem.WEAK_MOVE, Sem.EMULATED_WEAK_MOVE]) {
    it(`a ${sem === Sem.WEAK_MOVE ? "weak move" : "emulated weak move"} left queued on a channel by a process that died takes no region from a process given its pid when it completes`, async () => {
      const m = await machine();
      const a = m.spawn();
      const [c0, c1] = a.channel();
      const b = a.fork();
      const vb = b.mmap(PAGE_SIZE);
      b.store(vb, [1, 2, 3]);
      b.sendto(c0, vb, 3, { sem }); // queued: nobody receives yet; vb leaves b when it completes
      b.kill();
      b.reap();
      const c = a.fork();
      expect(c.pid).toBe(b.pid);
      const vc = c.mmap(PAGE_SIZE);
      expect(vc).toBe(vb); // the same address, in the new process
      c.store(vc, [4, 5, 6]);
      const vr = a.mmap(PAGE_SIZE);
      expect(a.recvfrom(c1, vr, 100, { dontwait: true })?.len).toBe(3); // the output completes
      expect(Array.from(a.load(vr, 3))).toEqual([1, 2, 3]);
      expect(Array.from(c.load(vc, 3))).toEqual([4, 5, 6]);
    });
  }

  it("a message to a copy-semantics receiver is copied once, not twice", async () => {
    const m = await machine();
    const a = m.spawn();
    const [c0, c1] = a.channel();
    const b = a.fork();
    const va = a.mmap(8192), vb = b.mmap(8192);
    a.store(va, pattern(5000, 2));
    const before = m.counters();
    const rx = b.postRecv(c1, vb + 10, 5000, { sem: Sem.COPY });
    a.sendto(c0, va, 5000);
    expect(rx.wait().len).toBe(5000);
    expect(diffCounters(before, m.counters()).bytesCopied).toBe(5000);
    expectBytes(b.load(vb + 10, 5000), pattern(5000, 2));
  });

  it("a protocol server between a client and the NIC: headers prepended by gather, payload never copied (user placement), against the kernel doing it (kernel placement)", async () => {
    const len = 16 * PAGE_SIZE;
    const data = pattern(len, 8);
    const header = pattern(32, 9);
    // User placement: client --channel--> server process --sendv [header, client frames]--> NIC.
    const u = await pair({ mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true });
    const [c0, c1] = u.pa.channel();
    const server = u.pa.fork(); // the server shares the client's socket and channel
    const va = u.pa.mmap(len);
    u.pa.store(va, data);
    const hdr = server.mmap(PAGE_SIZE);
    server.store(hdr, header);
    const vb = u.pb.mmap(len + 2 * PAGE_SIZE);
    const ca = u.a.counters(), cb = u.b.counters();
    const rxb = u.pb.postRecv(u.fb, vb + PAGE_SIZE - 32, len + 32, { sem: Sem.EMULATED_COPY });
    const rxs = server.postRecv(c1, 0, len, { sem: Sem.EMULATED_MOVE });
    const t0 = u.pa.clock;
    u.pa.sendto(c0, va, len, { sem: Sem.COPY });
    const msg = rxs.wait();
    server.clock = Math.max(server.clock, u.pa.clock);
    server.sendv(u.fa, [[hdr, 32], [msg.va, len]], { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    const got = rxb.wait();
    u.a.world.run();
    expect(got.len).toBe(len + 32);
    expectBytes(u.pb.load(vb + PAGE_SIZE - 32, 32), header);
    expectBytes(u.pb.load(vb + PAGE_SIZE, len), data);
    const user = { latency: got.at - t0, sender: diffCounters(ca, u.a.counters()), receiver: diffCounters(cb, u.b.counters()) };
    // On the way out the CPU copied only the 32 header bytes (a page holding that little is
    // copied, not protected) and the 16-byte gather list itself.
    expect(user.sender.bytesCopied).toBe(32 + 16);
    expect(user.receiver.pageSwaps).toBe(16);

    // Kernel placement: the client sends straight through the kernel's own protocol code.
    const k = await pair({ mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true });
    const vk = k.pa.mmap(len + PAGE_SIZE);
    k.pa.store(vk + PAGE_SIZE - 32, header);
    k.pa.store(vk + PAGE_SIZE, data);
    const vkb = k.pb.mmap(len + 2 * PAGE_SIZE);
    const rxk = k.pb.postRecv(k.fb, vkb + PAGE_SIZE - 32, len + 32, { sem: Sem.EMULATED_COPY });
    const tk = k.pa.clock;
    k.pa.sendto(k.fa, vk + PAGE_SIZE - 32, len + 32, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    const gotk = rxk.wait();
    const kernelLatency = gotk.at - tk;
    // The user-level server costs only domain crossings (system calls, a region), never a copy.
    expect(user.latency).toBeGreaterThan(kernelLatency);
    // The client's send, the server's receive, its sendv (and one mmap for its gather list).
    expect(user.sender.syscalls).toBe(4);
  });
});

describe("weak semantics over a channel", () => {
  it("a share or emulated-share send completes when received (iowait returns), or when dropped unread at close; the sender's later writes never reach the receiver", async () => {
    for (const sem of [Sem.SHARE, Sem.EMULATED_SHARE]) {
      const m = await machine({ memory: "4M" });
      const p = m.spawn();
      const [c0, c1] = p.channel();
      const src = p.mmap(4 * PAGE_SIZE);
      p.store(src, pattern(4 * PAGE_SIZE, 1));
      const q = p.fork();
      const dst = q.mmap(4 * PAGE_SIZE);
      q.store(dst, new Uint8Array(4 * PAGE_SIZE));
      p.sendto(c0, src, 2 * PAGE_SIZE, { sem });
      expect(q.recvfrom(c1, dst, 2 * PAGE_SIZE, { sem })!.len).toBe(2 * PAGE_SIZE);
      p.iowait();
      p.store(src, new Uint8Array(2 * PAGE_SIZE).fill(0xaa));
      expectBytes(q.load(dst, 2 * PAGE_SIZE), pattern(4 * PAGE_SIZE, 1).subarray(0, 2 * PAGE_SIZE), Sem[sem]);
      // Sent, never read, its channel closed by both: complete too.
      p.sendto(c0, src, PAGE_SIZE, { sem });
      q.close(c1);
      p.close(c1);
      p.iowait();
    }
  });
});
