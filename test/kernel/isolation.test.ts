// Isolation: no process ever reads another's bytes, nor stale bytes of a frame another domain
// used, under any semantics. A victim writes a secret into its buffers, sends them under each
// semantics to a receiver on the other machine (and to itself over IPC), forks, then everyone
// exits; an attacker on each machine then takes nearly every frame and reads every byte it can
// reach (its own anonymous pages, and regions the kernel chose for move-family receives): the
// secret never appears. Weak semantics misused (the sender writes its buffer during output)
// harms only the misuser's own datagram.

import { describe, expect, it } from "vitest";
import { PAGE_SIZE, SEMANTICS, Sem, type Machine, type Process } from "../../tools/host/index";
import { pair } from "./netpair";
import { expectBytes, pattern } from "./machines";

const MARK = Buffer.from("S3CR3T-M4RK-", "latin1");

/** secret: n bytes of the marker, repeated (found by any 12-byte window of a page). */
function secret(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = MARK[i % MARK.length];
  return out;
}

/** sweep: a fresh process of m takes all but a few free frames and reads every byte of them;
 *  the number of pages read (the test fails if the marker is found). */
function sweep(m: Machine, what: string): number {
  const x = m.spawn();
  const pages = m.freeFrames - 48; // room for its page tables and the kernel
  const va = x.mmap(pages * PAGE_SIZE);
  for (let i = 0; i < pages; i++) x.store(va + i * PAGE_SIZE + PAGE_SIZE - 1, [0]); // a frame each
  const CHUNK = 256 * PAGE_SIZE;
  for (let at = 0; at < pages * PAGE_SIZE; at += CHUNK) {
    const bytes = Buffer.from(x.load(va + at, Math.min(CHUNK, pages * PAGE_SIZE - at)));
    const k = bytes.indexOf(MARK.subarray(0, 8));
    if (k >= 0) expect.fail(`${what}: ${m.name}: a fresh page at +${at + k} holds the secret`);
  }
  x.exit(0);
  x.reap();
  return pages;
}

/** moveReceive: a move-family receive of a harmless datagram: the region the kernel chose holds
 *  it and zeroes, never the secret. */
function moveReceive(from: Process, fd: number, to: Process, tfd: number, sem: Sem, w: () => void): void {
  const src = from.mmap(3 * PAGE_SIZE);
  from.store(src, pattern(5000, 77));
  const rx = to.postRecv(tfd, 100, 5000, { sem });
  from.sendto(fd, src, 5000, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
  w();
  const got = rx.wait();
  const page = got.va & ~(PAGE_SIZE - 1);
  const region = Buffer.from(to.load(page, 2 * PAGE_SIZE));
  expect(region.indexOf(MARK.subarray(0, 8)), "a move receive's region holds the secret").toBe(-1);
  expectBytes(region.subarray(got.va - page, got.va - page + 5000), pattern(5000, 77));
  to.munmap(page, 2 * PAGE_SIZE);
  from.munmap(src, 3 * PAGE_SIZE);
}

describe("isolation", () => {
  it("after a secret crosses the machines under every semantics and its owners exit, no byte another process can read holds it", async () => {
    const { a, b, pa, pb, fa, fb } = await pair({ memory: "8M", headerSplit: true, earlyDemux: true });
    const w = () => a.world.run();
    let swept = 0;
    for (const s of SEMANTICS) {
      const v = a.spawn(), r = b.spawn();
      const fv = v.socket(), fr = r.socket();
      v.bind(fv, 3000);
      r.bind(fr, 4000);
      const len = 6 * PAGE_SIZE + 123;
      const buf = v.mmap(8 * PAGE_SIZE);
      v.store(buf, secret(8 * PAGE_SIZE));
      const dst = r.mmap(8 * PAGE_SIZE);
      const rx = r.postRecv(fr, s.buffers === "app" ? dst + 100 : 100, len, { sem: s.sem });
      v.sendto(fv, buf, len, { ip: "10.0.0.2", port: 4000, sem: s.sem });
      w();
      expect(rx.wait().len, s.name).toBe(len);
      // The secret also goes over IPC, and into a forked child's copy-on-write pages.
      const [c0, c1] = v.channel();
      const ipc = v.mmap(3 * PAGE_SIZE);
      v.store(ipc, secret(3 * PAGE_SIZE));
      v.sendto(c0, ipc, 2 * PAGE_SIZE, { sem: s.buffers === "app" ? s.sem : Sem.COPY });
      const rb = v.mmap(3 * PAGE_SIZE);
      v.recvfrom(c1, rb, 2 * PAGE_SIZE, { sem: s.buffers === "app" ? s.sem : Sem.COPY });
      const child = v.fork();
      child.store(ipc + 2 * PAGE_SIZE, secret(PAGE_SIZE));
      child.exit(0);
      v.reap();
      w();
      v.exit(0);
      r.exit(0);
      w();
      a.spawn().reap(); // nothing to reap: a harmless call
      swept += sweep(a, s.name) + sweep(b, s.name);
    }
    // Move-family receives get regions of the kernel's choosing: never with the secret's frames.
    for (const s of SEMANTICS.filter((x) => x.buffers === "system")) moveReceive(pa, fa, pb, fb, s.sem, w);
    expect(swept).toBeGreaterThan(8 * 2 * 1500);
  });

  it("a sender that writes its buffer during a share output corrupts only its own datagram: the receiver's other memory and a bystander's are intact", async () => {
    const { a, b, pa, pb, fa, fb } = await pair({ memory: "8M" });
    const by = a.spawn(), bz = b.spawn();
    const ya = by.mmap(4 * PAGE_SIZE), yb = bz.mmap(4 * PAGE_SIZE);
    by.store(ya, pattern(4 * PAGE_SIZE, 5));
    bz.store(yb, pattern(4 * PAGE_SIZE, 6));
    const len = 5 * PAGE_SIZE;
    const src = pa.mmap(len), dst = pb.mmap(len + 2 * PAGE_SIZE);
    pa.store(src, pattern(len, 7));
    pb.store(dst, pattern(len + 2 * PAGE_SIZE, 8));
    for (const sem of [Sem.SHARE, Sem.EMULATED_SHARE, Sem.WEAK_MOVE, Sem.EMULATED_WEAK_MOVE]) {
      const rx = pb.postRecv(fb, dst + PAGE_SIZE, len, { sem: Sem.COPY });
      const from = sem === Sem.SHARE || sem === Sem.EMULATED_SHARE ? src : pa.mmap(len);
      if (from !== src) pa.store(from, pattern(len, 7));
      pa.sendto(fa, from, len, { ip: "10.0.0.2", port: 2000, sem });
      pa.store(from + 100, new Uint8Array(3 * PAGE_SIZE).fill(0xee)); // misuse: before completion
      const dropped = b.drops().BadUdpChecksum ?? 0;
      a.world.run();
      if (!rx.ready) {
        // The bytes changed under the checksum: the misuser's datagram is dropped, nothing else.
        expect(b.drops().BadUdpChecksum ?? 0).toBeGreaterThan(dropped);
        pa.store(src, pattern(len, 7));
        pa.sendto(fa, src, len, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
      }
      expect(rx.wait().len).toBe(len);
      // Outside the receive buffer nothing changed; the datagram holds the sender's bytes, old or new.
      expectBytes(pb.load(dst, PAGE_SIZE), pattern(len + 2 * PAGE_SIZE, 8).subarray(0, PAGE_SIZE), "before the buffer");
      expectBytes(pb.load(dst + PAGE_SIZE + len, PAGE_SIZE), pattern(len + 2 * PAGE_SIZE, 8).subarray(PAGE_SIZE + len), "after the buffer");
      const got = pb.load(dst + PAGE_SIZE, len), sent = pattern(len, 7);
      for (let i = 0; i < len; i++) if (got[i] !== sent[i] && got[i] !== 0xee) expect.fail(`${Sem[sem]}: byte ${i} is neither the sender's old nor new byte`);
      expectBytes(by.load(ya, 4 * PAGE_SIZE), pattern(4 * PAGE_SIZE, 5), "bystander on the sender's machine");
      expectBytes(bz.load(yb, 4 * PAGE_SIZE), pattern(4 * PAGE_SIZE, 6), "bystander on the receiver's machine");
    }
  });
});
