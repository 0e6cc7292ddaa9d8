// The INFOCOM '99 experiment: a file on machine A reaches a file on machine B over the network
// with no CPU copy of a full page on either side (emulated copy, mapped files).
import { describe, expect, it } from "vitest";
import { connect, diffCounters, Disk, ETHERNET, MemoryStore, mkfs, PAGE_SIZE, Prot, Sem, type Machine } from "../../tools/host/index";
import { expectBytes, machine, pattern, world } from "./machines";
import { fsMachine } from "./fs-helpers";


const N = 16 * PAGE_SIZE; // one 64 KiB datagram

async function fsNode(w: Awaited<ReturnType<typeof world>>, name: string, ip: string) {
  const image = new Uint8Array(4096 * 4096);
  mkfs(image);
  const store = new MemoryStore(image);
  const m = await machine({ name, memory: "16M", disk: new Disk({ store }) }, w);
  m.mount();
  const nic = m.attachNic({ ip, mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true });
  return { m, store, nic, p: m.spawn() };
}

/** two machines with file systems, joined by a wire; a bound socket on each. */
async function setup() {
  const w = await world(3);
  const a = await fsNode(w, "a", "10.0.0.1");
  const b = await fsNode(w, "b", "10.0.0.2");
  connect(a.nic, b.nic, { bandwidthBps: 1e9, latencyNs: 10_000, ...ETHERNET });
  const fa = a.p.socket(), fb = b.p.socket();
  a.p.bind(fa, 1000);
  b.p.bind(fb, 2000);
  const data = pattern(N, 77);
  a.p.writeFile("/src", data, { fsync: true });
  b.p.writeFile("/dst", new Uint8Array(N), { fsync: true }); // the receiving file exists, with blocks
  return { w, a, b, fa, fb, data };
}

/** readBack: the file as a fresh machine booted on the same disk sees it. */
async function readBack(m: Machine, store: MemoryStore, path: string): Promise<Uint8Array> {
  m.unmount();
  return (await fsMachine({ store })).p.readFile(path);
}

describe("mapped file I/O with emulated copy (INFOCOM '99)", () => {
  it("file -> network -> file: no CPU copy of a full page on either side, the disk copy byte-identical", async () => {
    const { a, b, fa, fb, data } = await setup();
    const sfd = a.p.open("/src");
    const src = a.p.mmap(N, { fd: sfd, prot: Prot.READ, shared: true });
    const dfd = b.p.open("/dst", { read: true, write: true });
    const dst = b.p.mmap(N, { fd: dfd, shared: true });
    const ca = a.m.counters(), cb = b.m.counters();
    const rx = b.p.postRecv(fb, dst, N, { sem: Sem.EMULATED_COPY });
    a.p.sendto(fa, src, N, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    expect(rx.wait().len).toBe(N);
    b.p.msync(dst, N);
    a.m.world.run();
    const da = diffCounters(ca, a.m.counters()), db = diffCounters(cb, b.m.counters());
    expect(da.bytesCopied).toBe(0);
    expect(db.bytesCopied).toBe(0);
    expect(db.pageSwaps).toBe(16);
    expect(db.dmaBytesOut).toBeGreaterThanOrEqual(N); // writeback straight from the swapped-in frames
    b.p.munmap(dst, N);
    b.p.close(dfd);
    expectBytes(await readBack(b.m, b.store, "/dst"), data);
  });

  it("via an anonymous buffer and pswap: still no CPU copy of a full page, the file dirty and persisted", async () => {
    const { a, b, fa, fb, data } = await setup();
    const sfd = a.p.open("/src");
    const src = a.p.mmap(N, { fd: sfd, prot: Prot.READ, shared: true });
    const dfd = b.p.open("/dst", { read: true, write: true });
    const dst = b.p.mmap(N, { fd: dfd, shared: true });
    b.p.load(dst, N); // resident
    const buf = b.p.mmap(N);
    const cb = b.m.counters();
    const rx = b.p.postRecv(fb, buf, N, { sem: Sem.EMULATED_COPY });
    a.p.sendto(fa, src, N, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    expect(rx.wait().len).toBe(N);
    b.p.pswap(buf, dst, N);
    b.p.msync(dst, N);
    expect(diffCounters(cb, b.m.counters()).bytesCopied).toBe(0);
    b.p.munmap(dst, N);
    b.p.close(dfd);
    expectBytes(await readBack(b.m, b.store, "/dst"), data);
  });

  it("writers racing the send never change what was sent: the sender itself, another MAP_SHARED process, and write()", async () => {
    const { a, b, fa, fb, data } = await setup();
    const sfd = a.p.open("/src", { read: true, write: true });
    const src = a.p.mmap(N, { fd: sfd, shared: true });
    const other = a.p.fork(); // maps the same file, shared
    const vb = b.p.mmap(N);
    const rx = b.p.postRecv(fb, vb, N, { sem: Sem.EMULATED_COPY });
    a.p.sendto(fa, src, N, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    // Before the device has read a byte: three writers on three different pages.
    a.p.store(src, [0xaa]);
    other.store(src + 5 * PAGE_SIZE, [0xbb]);
    const w = a.p.mmap(PAGE_SIZE);
    a.p.store(w, new Uint8Array(PAGE_SIZE).fill(0xcc));
    a.p.lseek(sfd, 9 * PAGE_SIZE);
    a.p.write(sfd, w, PAGE_SIZE);
    expect(rx.wait().len).toBe(N);
    expectBytes(b.p.load(vb, N), data); // the file as of the call
    // ... and the file now holds all three writes.
    expect(a.p.load(src, 1)[0]).toBe(0xaa);
    expect(a.p.load(src + 5 * PAGE_SIZE, 1)[0]).toBe(0xbb);
    expect(a.p.load(src + 9 * PAGE_SIZE, 1)[0]).toBe(0xcc);
  });
});
