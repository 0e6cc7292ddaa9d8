// tools/assign/checks/tcow.ts — copy-on-write and TCOW: emulated copy on output
// (docs/assignments/tcow.md). The sender uses emulated copy; the receiver plain copy, so only
// the output side is under test.

import { diffCounters, PAGE_SIZE, pattern, Sem } from "../../host/index";
import { atLeast, equal, sameBytes, type Check, type CheckContext } from "../check";
import { net } from "./lib";

const N = 16 * PAGE_SIZE;
const to = { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY };

/** sending: two machines; a buffer of N pattern bytes at va on a (MAP_SHARED if shared), and a
 *  copy-semantics receive of N bytes posted at vb on b. */
async function sending(t: CheckContext, seed: number, shared = false) {
  const { a, b } = await net(t);
  const va = a.p.mmap(N, { shared }), vb = b.p.mmap(N);
  const data = pattern(N, seed);
  a.p.store(va, data);
  const rx = b.p.postRecv(b.fd, vb, N, { sem: Sem.COPY });
  return { a, b, va, vb, data, rx };
}

export const checks: Check[] = [
  {
    id: "send-copies-nothing",
    title: "an emulated-copy send of 64 KiB copies no byte and write-protects each page once",
    async run(t) {
      const { a, b, va, vb, data, rx } = await sending(t, 3);
      const c0 = a.m.counters();
      a.p.sendto(a.fd, va, N, to);
      const d = diffCounters(c0, a.m.counters());
      equal(d.bytesCopied, 0, "bytes the CPU copied on the sender");
      atLeast(d.pteWrites, 16, "PTE writes (one write-protection per page)");
      equal(rx.wait().len, N, "bytes received");
      sameBytes(b.p.load(vb, N), data, "received datagram");
    },
  },
  {
    id: "send-is-snapshot",
    title: "writing the buffer right after the send never changes what is sent; each written page costs one TCOW copy",
    depends: ["send-copies-nothing"],
    async run(t) {
      const { a, b, va, vb, data, rx } = await sending(t, 5);
      a.p.sendto(a.fd, va, N, to);
      const c0 = a.m.counters();
      for (let i = 0; i < 4; i++) a.p.store(va + i * PAGE_SIZE + 10, [0xee, 0xee]); // before the wire is done
      const d = diffCounters(c0, a.m.counters());
      equal(d.faultsTcow, 4, "TCOW faults");
      equal(d.bytesCopied, 4 * PAGE_SIZE, "bytes copied by the faults");
      rx.wait();
      sameBytes(b.p.load(vb, N), data, "received datagram (the buffer as it was at the call)");
      equal(a.p.load(va + 10, 1)[0], 0xee, "the sender's own write");
    },
  },
  {
    id: "shared-mapping-protected",
    title: "every mapping of a frame under output is write-protected: another process sharing the page cannot change the bytes sent",
    depends: ["send-copies-nothing"],
    async run(t) {
      const { a, b, va, vb, data, rx } = await sending(t, 9, true);
      const child = a.p.fork(); // shares the MAP_SHARED pages (not copy-on-write)
      a.p.sendto(a.fd, va, N, to);
      child.store(va + 3 * PAGE_SIZE, [1, 2, 3]);
      equal(a.m.counters().faultsTcow, 1, "TCOW faults (the child's write)");
      rx.wait();
      sameBytes(b.p.load(vb, N), data, "received datagram");
      sameBytes(a.p.load(va + 3 * PAGE_SIZE, 3), new Uint8Array([1, 2, 3]), "the parent sees the child's write (one shared object)");
    },
  },
  {
    id: "permission-returns-lazily",
    title: "after the output completes, the first write restores write permission without copying",
    depends: ["send-copies-nothing"],
    async run(t) {
      const { a, va, rx } = await sending(t, 1);
      a.p.sendto(a.fd, va, N, to);
      rx.wait();
      const c0 = a.m.counters();
      a.p.store(va, [2]);
      const d = diffCounters(c0, a.m.counters());
      equal(d.bytesCopied, 0, "bytes copied by the write after completion");
      equal(d.faultsTcow, 0, "TCOW faults after completion");
      equal(d.faultsProt, 1, "protection faults (write permission restored)");
    },
  },
  {
    id: "exit-after-send",
    title: "a sender that exits right after the send still sends its bytes; its frames are freed once the output completes",
    depends: ["send-copies-nothing"],
    async run(t) {
      const { a, b } = await net(t);
      const p = a.m.spawn();
      const fd = p.socket();
      const va = p.mmap(N), vb = b.p.mmap(N);
      const data = pattern(N, 11);
      p.store(va, data);
      const rx = b.p.postRecv(b.fd, vb, N, { sem: Sem.COPY });
      p.sendto(fd, va, N, to);
      const sent = [0, 5, 15].map((i) => p.frameAt(va + i * PAGE_SIZE));
      p.exit(0);
      p.reap();
      rx.wait();
      sameBytes(b.p.load(vb, N), data, "received datagram");
      for (const f of sent) equal(a.m.frame(f).kind, "FREE", `frame ${f} (sent, its process gone) once the output completed`);
    },
  },
];
