// tools/assign/checks/mapfile.ts — mapped file I/O and pswap: network -> disk without a CPU
// copy of a full page (docs/assignments/mapfile.md).

import { diffCounters, PAGE_SIZE, pattern, Sem, type Counters } from "../../host/index";
import { equal, sameBytes, type Check, type CheckContext } from "../check";
import { fsMachine, net, remount, type FsNode } from "./lib";

const N = 16 * PAGE_SIZE;
const DISK_BLOCKS = 1024; // a 4 MiB file system

/** fileMachine: one machine with a file system and a file /dst of N bytes (blocks allocated). */
async function fileMachine(t: CheckContext) {
  const b = await fsMachine(t, DISK_BLOCKS);
  b.p.writeFile("/dst", new Uint8Array(N), { fsync: true });
  const fd = b.p.open("/dst", { read: true, write: true });
  const file = b.p.mmap(N, { fd, shared: true });
  return { b, fd, file };
}

/** persisted: the file as a machine rebooted on the same disk reads it. */
async function persisted(t: CheckContext, b: FsNode, path: string) {
  b.p.exit(0); // closes the file and unmaps it
  b.m.unmount();
  return (await remount(t, b.store!)).readFile(path);
}

/**
 * toFile: N bytes from a (sent with copy) to b's file /dst, received with emulated copy straight
 * into a MAP_SHARED mapping of it, or (viaAnon) into an anonymous buffer then pswapped into the
 * mapping; the receiver copies no byte and the file holds the data after a reboot. b's counter
 * deltas from the receive to the end.
 */
async function toFile(t: CheckContext, viaAnon: boolean): Promise<Counters> {
  const { a, b } = await net(t, { diskBlocks: DISK_BLOCKS });
  b.p.writeFile("/dst", new Uint8Array(N), { fsync: true });
  const fd = b.p.open("/dst", { read: true, write: true });
  const file = b.p.mmap(N, { fd, shared: true });
  const into = viaAnon ? b.p.mmap(N) : file;
  const va = a.p.mmap(N);
  const data = pattern(N, 44);
  a.p.store(va, data);
  const rx = b.p.postRecv(b.fd, into, N, { sem: Sem.EMULATED_COPY });
  const c0 = b.m.counters();
  a.p.sendto(a.fd, va, N, { ip: "10.0.0.2", port: 2000, sem: Sem.COPY });
  equal(rx.wait().len, N, "bytes received");
  if (viaAnon) b.p.pswap(into, file, N);
  const d = diffCounters(c0, b.m.counters());
  equal(d.bytesCopied, 0, "bytes the receiver's CPU copied");
  b.p.msync(file, N);
  sameBytes(await persisted(t, b, "/dst"), data, "the file after a reboot");
  return d;
}

export const checks: Check[] = [
  {
    id: "pswap-whole-pages",
    title: "pswap of 16 anonymous pages into a mapped file exchanges frames: no byte copied, the file dirty and persisted",
    async run(t) {
      const { b, file } = await fileMachine(t);
      const anon = b.p.mmap(N);
      const data = pattern(N, 41);
      b.p.store(anon, data);
      const c0 = b.m.counters();
      b.p.pswap(anon, file, N);
      const d = diffCounters(c0, b.m.counters());
      equal(d.bytesCopied, 0, "bytes copied");
      equal(d.pageSwaps, 16, "pages exchanged");
      sameBytes(b.p.load(file, N), data, "the file's mapping after pswap");
      sameBytes(await persisted(t, b, "/dst"), data, "the file after a reboot");
    },
  },
  {
    id: "pswap-partial-pages",
    title: "pswap at page offset 100: partial pages exchanged by copying, whole pages by frames; both ranges exact",
    async run(t) {
      const { b, file } = await fileMachine(t);
      const anon = b.p.mmap(N);
      const x = pattern(N, 42), y = pattern(N, 43);
      b.p.store(anon, x);
      b.p.store(file, y);
      const len = 3 * PAGE_SIZE;
      const c0 = b.m.counters();
      b.p.pswap(anon + 100, file + 100, len);
      const d = diffCounters(c0, b.m.counters());
      equal(d.pageSwaps, 2, "pages exchanged (the two whole pages)");
      equal(d.bytesCopied, 2 * PAGE_SIZE, "bytes copied (both partial pages, both ways)");
      const wantA = x.slice(), wantF = y.slice();
      wantA.set(y.subarray(100, 100 + len), 100);
      wantF.set(x.subarray(100, 100 + len), 100);
      sameBytes(b.p.load(anon, N), wantA, "the anonymous range");
      sameBytes(b.p.load(file, N), wantF, "the file range");
    },
  },
  {
    id: "net-to-mapped-file",
    title: "a datagram received with emulated copy into a MAP_SHARED file: no CPU copy of a full page, the file dirty and persisted",
    async run(t) {
      const d = await toFile(t, false);
      equal(d.pageSwaps, 16, "pages swapped into the file");
    },
  },
  {
    id: "net-anon-then-pswap",
    title: "receive into an anonymous buffer, then pswap it into a mapped file: network to disk with no CPU copy",
    depends: ["pswap-whole-pages"],
    async run(t) {
      await toFile(t, true);
    },
  },
];
