// test/kernel/integrity-strong.test.ts — what strong and weak integrity promise (docs/data-passing.md §5).
//
// Strong (copy, emulated copy): output sends exactly the buffer's contents at the moment of the
// call, whatever the application does afterwards (writes, munmap, exit); input never shows
// partial data and never changes a byte outside [va, va+len).
// Weak (share, emulated share): the application must not touch the buffer until completion; if
// it does, it may corrupt its own data but never another process's.
//
// "Right after sendto" means before the world runs: sendto returns when the packets are handed
// to the NIC, and the device reads RAM only when the world's next event runs.

import { describe, expect, it } from "vitest";
import { diffCounters, PAGE_SIZE, Sem, semanticsOf, type Machine, type Process } from "../../tools/host/index";
import { expectBytes, pattern } from "./machines";
import { pair, type Pair, type PairOptions } from "./netpair";


const FAST: PairOptions = { mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true };
const MANY_PACKETS: PairOptions = { mtu: 1500, headerSplit: true, checksumOffload: true, earlyDemux: true };
const STRONG = [Sem.COPY, Sem.EMULATED_COPY];
const WEAK = [Sem.SHARE, Sem.EMULATED_SHARE];
const name = (sem: Sem) => semanticsOf(sem).name;

const orphans = (m: Machine) => m.frameMap().filter((f) => f.flags.includes("ORPHAN")).length;
const outRefs = (m: Machine) => m.frameMap().reduce((s, f) => s + f.outRef, 0);

/** postReceive: b posts a receive of len bytes into a fresh page-aligned buffer. */
function postReceive(p: Pair, len: number, sem: Sem) {
  const vb = p.pb.mmap(len + PAGE_SIZE);
  return { vb, rx: p.pb.postRecv(p.fb, vb, len, { sem }) };
}

function send(p: Pair, va: number, len: number, sem: Sem): void {
  expect(p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem })).toBe(len);
}

/** scavenge: another process on m takes free frames and fills them with its own bytes (a frame
 *  under output that had been freed would now hold them). */
function scavenge(m: Machine, pages: number, byte: number): Process {
  const q = m.spawn();
  const va = q.mmap(pages * PAGE_SIZE);
  q.fill(va, pages * PAGE_SIZE, byte);
  return q;
}

/** hasRun: does bytes contain `run` consecutive copies of byte? */
function hasRun(bytes: Uint8Array, byte: number, run = 32): boolean {
  let n = 0;
  for (const x of bytes) if ((n = x === byte ? n + 1 : 0) >= run) return true;
  return false;
}

describe("strong integrity: output sends the buffer as it was at the call", () => {
  it("emulated copy: a write right after sendto does not change the bytes sent; it costs exactly one page copy (TCOW fault) per page written", async () => {
    const p = await pair(FAST);
    const len = 16 * PAGE_SIZE;
    const data = pattern(len, 5);
    const va = p.pa.mmap(len);
    p.pa.store(va, data);
    const { vb, rx } = postReceive(p, len, Sem.EMULATED_COPY);
    send(p, va, len, Sem.EMULATED_COPY);

    const c = p.a.counters();
    const now = data.slice();
    const write = (at: number, bytes: Uint8Array) => { p.pa.store(va + at, bytes); now.set(bytes, at); };
    write(10, Uint8Array.of(1, 2, 3)); // page 0
    write(5 * PAGE_SIZE - 3, Uint8Array.of(4, 5, 6, 7, 8, 9)); // pages 4 and 5
    write(15 * PAGE_SIZE, new Uint8Array(PAGE_SIZE).fill(0xee)); // all of page 15
    write(20, Uint8Array.of(10)); // page 0 again: already the writer's own copy
    const d = diffCounters(c, p.a.counters());
    expect(d.faultsTcow).toBe(4);
    expect(d.bytesCopied).toBe(4 * PAGE_SIZE);
    expect(d.faults).toBe(4);
    expect(d.faultsProt).toBe(0);
    expect(orphans(p.a)).toBe(4); // the replaced frames, kept for the device

    expect(rx.wait().len).toBe(len);
    p.a.world.run();
    expectBytes(p.pb.load(vb, len), data, "bytes received");
    expectBytes(p.pa.load(va, len), now, "the writer sees its writes");
    expect(orphans(p.a)).toBe(0);
    expect(outRefs(p.a)).toBe(0);

    // After completion a write copies nothing: write permission comes back on the same frame.
    const frame8 = p.pa.frameAt(va + 8 * PAGE_SIZE);
    const c2 = p.a.counters();
    p.pa.store(va + 8 * PAGE_SIZE, [1]);
    const d2 = diffCounters(c2, p.a.counters());
    expect(d2.faultsProt).toBe(1);
    expect(d2.faultsTcow).toBe(0);
    expect(d2.bytesCopied).toBe(0);
    expect(p.pa.frameAt(va + 8 * PAGE_SIZE)).toBe(frame8);
    // A page copied during output is already writable.
    const c3 = p.a.counters();
    p.pa.store(va, [2]);
    expect(diffCounters(c3, p.a.counters()).faults).toBe(0);
  });

  it("copy: a write right after sendto does not change the bytes sent, and costs no fault and no kernel copy", async () => {
    const p = await pair(FAST);
    const len = 16 * PAGE_SIZE + 100;
    const data = pattern(len, 6);
    const va = p.pa.mmap(len + PAGE_SIZE) + 100;
    p.pa.store(va, data);
    const { vb, rx } = postReceive(p, len, Sem.COPY);
    send(p, va, len, Sem.COPY);
    const c = p.a.counters();
    p.pa.fill(va, len, 0xee);
    const d = diffCounters(c, p.a.counters());
    expect(d.faults).toBe(0);
    expect(d.bytesCopied).toBe(0);
    rx.wait();
    p.a.world.run();
    expectBytes(p.pb.load(vb, len), data);
  });

  for (const sem of STRONG)
    for (const how of ["munmap", "exit"] as const)
      it(`${name(sem)}: ${how} right after sendto, even with another process taking every free frame, does not change the bytes sent; the buffer's frames are freed at completion`, async () => {
        const p = await pair(MANY_PACKETS);
        const len = 60 * 1024, os = 100;
        const data = pattern(len, 7);
        const va = p.pa.mmap(len + PAGE_SIZE) + os;
        p.pa.store(va, data);
        const { vb, rx } = postReceive(p, len, sem);
        send(p, va, len, sem);
        if (how === "munmap") p.pa.munmap(va - os, len + PAGE_SIZE);
        else p.pa.exit(0);
        if (sem === Sem.EMULATED_COPY) expect(orphans(p.a)).toBe(15); // 3996 B + 14 full pages; the last 100 B were copied
        const free = p.a.freeFrames;
        const q = scavenge(p.a, free - 64, 0xc3); // all but a few free frames, filled with q's bytes
        expect(rx.wait().len).toBe(len);
        p.a.world.run();
        const got = p.pb.load(vb, len);
        expect(hasRun(got, 0xc3)).toBe(false);
        expectBytes(got, data);
        expect(orphans(p.a)).toBe(0);
        expect(outRefs(p.a)).toBe(0);
        // What user memory remains on the sender is q's.
        expect(p.a.frameSummary().ANON).toBe(free - 64);
        q.exit(0);
      });

  it("emulated copy: another process writing a MAP_SHARED buffer during output gets a copy; the bytes sent do not change and both sharers see the write", async () => {
    const p = await pair(FAST);
    const len = 16 * PAGE_SIZE;
    const data = pattern(len, 8);
    const va = p.pa.mmap(len, { shared: true });
    p.pa.store(va, data);
    const child = p.pa.fork();
    child.load(va, len);
    const { vb, rx } = postReceive(p, len, Sem.EMULATED_COPY);
    send(p, va, len, Sem.EMULATED_COPY);
    const c = p.a.counters();
    child.fill(va + 3 * PAGE_SIZE + 7, 9, 0xab);
    const d = diffCounters(c, p.a.counters());
    expect(d.faultsTcow).toBe(1);
    expect(d.bytesCopied).toBe(PAGE_SIZE);
    rx.wait();
    p.a.world.run();
    expectBytes(p.pb.load(vb, len), data);
    const now = data.slice();
    now.fill(0xab, 3 * PAGE_SIZE + 7, 3 * PAGE_SIZE + 16);
    expectBytes(p.pa.load(va, len), now, "the parent sees the child's write");
    expectBytes(child.load(va, len), now, "the child sees its write");
  });

  for (const rsem of [Sem.COPY, Sem.EMULATED_COPY])
    it(`emulated copy: a receive (${name(rsem)}) into a buffer under output does not change the bytes sent`, async () => {
      const p = await pair(FAST);
      const len = 16 * PAGE_SIZE;
      const data = pattern(len, 9), incoming = pattern(len, 10);
      const va = p.pa.mmap(len);
      p.pa.store(va, data);
      // b's datagram to a waits in a's socket queue.
      const vx = p.pb.mmap(len);
      p.pb.store(vx, incoming);
      p.pb.sendto(p.fb, vx, len, { ip: "10.0.0.1", port: 1000, sem: Sem.COPY });
      p.a.world.run();
      const { vb, rx } = postReceive(p, len, Sem.EMULATED_COPY);
      send(p, va, len, Sem.EMULATED_COPY);
      // Deliver the queued datagram into the very buffer being sent, before the device reads it.
      const c = p.a.counters();
      expect(p.pa.recvfrom(p.fa, va, len, { sem: rsem, dontwait: true })?.len).toBe(len);
      const d = diffCounters(c, p.a.counters());
      expect(d.faultsTcow + d.pageSwaps).toBeGreaterThan(0); // every writer went around the frames under output
      rx.wait();
      p.a.world.run();
      expectBytes(p.pb.load(vb, len), data, "bytes sent");
      expectBytes(p.pa.load(va, len), incoming, "bytes received into the buffer");
      expect(orphans(p.a)).toBe(0);
    });
});

describe("strong integrity: a receive buffer never shows partial data", () => {
  for (const sem of STRONG)
    for (const split of [true, false])
      it(`${name(sem)}, header split ${split ? "on" : "off"}: while packets arrive the buffer shows only its old contents; at completion exactly [va, va+len) changes`, async () => {
        const p = await pair({ ...MANY_PACKETS, headerSplit: split });
        const len = 60 * 1024 + 17, or = 100;
        const data = pattern(len, 11);
        const va = p.pa.mmap(len);
        p.pa.store(va, data);
        const span = Math.ceil((or + len) / PAGE_SIZE) * PAGE_SIZE + 2 * PAGE_SIZE;
        const rb = p.pb.mmap(span), vb = rb + PAGE_SIZE + or;
        const guard = pattern(span, 12);
        p.pb.store(rb, guard);
        const rx = p.pb.postRecv(p.fb, vb, len, { sem });
        expectBytes(p.pb.load(rb, span), guard, "after posting");
        send(p, va, len, sem);
        const packets = Math.ceil((len + 8) / 1480);
        const base = p.b.counters().packetsReceived;
        let seen = 0, checks = 0;
        while (!rx.ready && p.a.world.step()) {
          const taken = p.b.counters().packetsReceived - base;
          if (taken === seen || rx.ready) continue;
          seen = taken;
          expectBytes(p.pb.load(rb, span), guard, `after ${taken} of ${packets} packets`);
          checks++;
        }
        expect(checks).toBe(packets - 1); // every packet but the last was looked behind
        expect(rx.wait().len).toBe(len);
        const after = vb + len - rb;
        expectBytes(p.pb.load(vb, len), data, "received");
        expectBytes(p.pb.load(rb, vb - rb), guard.subarray(0, vb - rb), "bytes before the buffer");
        expectBytes(p.pb.load(vb + len, span - after), guard.subarray(after), "bytes after the buffer");
        p.a.world.run();
      });
});

describe("weak integrity: a sender that touches its buffer during output hurts only itself", () => {
  for (const sem of WEAK)
    it(`${name(sem)}: overwriting the buffer during output sends, page by page, old or new bytes of the sender's own, never another process's`, async () => {
      const p = await pair(MANY_PACKETS);
      const other = scavenge(p.a, 64, 0xc3); // another process's bytes on the same machine
      const len = 16 * PAGE_SIZE;
      const old = pattern(len, 13), fresh = pattern(len, 14);
      const va = p.pa.mmap(len);
      p.pa.store(va, old);
      const { vb, rx } = postReceive(p, len, sem);
      send(p, va, len, sem);
      for (let i = 0; i < 16; i += 2) p.pa.store(va + i * PAGE_SIZE, fresh.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
      // Let a few packets leave, overwrite more, and let another process churn its memory.
      for (let i = 0; i < 20 && p.a.world.step(); i++);
      for (let i = 1; i < 16; i += 4) p.pa.store(va + i * PAGE_SIZE, fresh.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE));
      scavenge(p.a, 64, 0xc3).exit(0);
      rx.wait();
      p.a.world.run();
      const got = p.pb.load(vb, len);
      expect(hasRun(got, 0xc3)).toBe(false);
      for (let i = 0; i < 16; i++) {
        const page = got.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
        const isOld = Buffer.compare(page, old.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)) === 0;
        const isNew = Buffer.compare(page, fresh.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE)) === 0;
        expect(isOld || isNew, `page ${i} is the sender's old or new bytes`).toBe(true);
      }
      other.exit(0);
    });

  for (const sem of WEAK)
    for (const how of ["munmap", "exit"] as const)
      it(`${name(sem)}: ${how} during output never lets the device send another process's bytes: the frames stay the sender's until completion`, async () => {
        const p = await pair(MANY_PACKETS);
        const len = 16 * PAGE_SIZE + 300, os = 2047;
        const data = pattern(len, 15);
        const va = p.pa.mmap(len + PAGE_SIZE) + os;
        p.pa.store(va, data);
        const { vb, rx } = postReceive(p, len, sem);
        send(p, va, len, sem);
        if (how === "munmap") p.pa.munmap(va - os, len + PAGE_SIZE);
        else p.pa.exit(0);
        const free = p.a.freeFrames;
        const q = scavenge(p.a, free - 64, 0xc3);
        rx.wait();
        p.a.world.run();
        const got = p.pb.load(vb, len);
        expect(hasRun(got, 0xc3)).toBe(false);
        expectBytes(got, data);
        expect(p.a.frameMap().filter((f) => f.wired > 0 || f.outRef > 0)).toEqual([]);
        expect(p.a.frameSummary().ANON).toBe(free - 64);
        q.exit(0);
      });
});
