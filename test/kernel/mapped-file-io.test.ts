// The INFOCOM '99 experiment: a file on machine A reaches a file on machine B over the network
// with no CPU copy of a full page on either side (emulated copy, mapped files).
import { describe, expect, it } from "vitest";
import { connect, diffCounters, Disk, ETHERNET, MemoryStore, mkfs, PAGE_SIZE, Prot, Sem, type Machine } from "../../tools/host/index";
import { expectBytes, machine, pattern, world } from "./machines";
import { fsMachine } from "./fs-helpers";


const N = 16 * PAGE_SIZE; // one 64 KiB datagram

async function fsNode(w: Awaited<ReturnType<typeof world>>, name: string, ip: string, earlyDemux = true) {
  const image = new Uint8Array(4096 * 4096);
  mkfs(image);
  const store = new MemoryStore(image);
  const m = await machine({ name, memory: "16M", disk: new Disk({ store }) }, w);
  m.mount();
  const nic = m.attachNic({ ip, mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux });
  return { m, store, nic, p: m.spawn() };
}

/** two machines with file systems, joined by a wire; a bound socket on each. */
async function setup(bEarlyDemux = true) {
  const w = await world(3);
  const a = await fsNode(w, "a", "10.0.0.1");
  const b = await fsNode(w, "b", "10.0.0.2", bEarlyDemux);
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

// Receiving into a mapped file whose pages are on disk (not in memory): a page the datagram
// replaces whole is never read; a page it writes only in part is read before its bytes change.
describe("receive into a mapped file not in memory", () => {
  const OLD = pattern(N, 9); // /dst's bytes on disk before the receive

  /** cold: b's /dst holds OLD on disk and nothing of it in memory (b remounted); it is open and
   *  mapped shared at dst. The disk bytes b has read so far. */
  async function cold(bEarlyDemux = true) {
    const x = await setup(bEarlyDemux);
    x.b.p.writeFile("/dst", OLD, { fsync: true });
    x.b.m.unmount();
    x.b.m.mount();
    const dfd = x.b.p.open("/dst", { read: true, write: true });
    const dst = x.b.p.mmap(N, { fd: dfd, shared: true });
    const src = x.a.p.mmap(N);
    x.a.p.store(src, x.data);
    return { ...x, dfd, dst, src, read0: x.b.m.disk!.stats.bytesRead };
  }

  /** persisted: /dst as a fresh machine reads it from b's disk. */
  async function persisted(x: Awaited<ReturnType<typeof cold>>): Promise<Uint8Array> {
    x.b.p.msync(x.dst, N);
    x.b.p.munmap(x.dst, N);
    x.b.p.close(x.dfd);
    return readBack(x.b.m, x.b.store, "/dst");
  }

  it("emulated copy swaps the received frames in: none of the 16 pages is read from disk, only the block map (one indirect block)", async () => {
    const x = await cold();
    const cb = x.b.m.counters();
    const rx = x.b.p.postRecv(x.fb, x.dst, N, { sem: Sem.EMULATED_COPY });
    x.a.p.sendto(x.fa, x.src, N, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    expect(rx.wait().len).toBe(N);
    // Pages 0-11 are direct blocks of the inode; 12-15 are found in its indirect block.
    expect(x.b.m.disk!.stats.bytesRead - x.read0).toBe(PAGE_SIZE);
    const d = diffCounters(cb, x.b.m.counters());
    expect(d.pageSwaps).toBe(16);
    expect(d.bytesCopied).toBe(0);
    expectBytes(x.b.p.load(x.dst, N), x.data);
    expectBytes(await persisted(x), x.data);
  });

  it("copy semantics, and emulated copy with no early demultiplexing (little aligned): each whole page is filled in a new frame or swapped, never read", async () => {
    for (const [sem, demux] of [[Sem.COPY, true], [Sem.EMULATED_COPY, false]] as const) {
      const x = await cold(demux);
      const cb = x.b.m.counters();
      const rx = x.b.p.postRecv(x.fb, x.dst, N, { sem });
      x.a.p.sendto(x.fa, x.src, N, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
      expect(rx.wait().len, `sem ${sem}`).toBe(N);
      expect(x.b.m.disk!.stats.bytesRead - x.read0, `sem ${sem}: disk bytes read`).toBe(PAGE_SIZE);
      const d = diffCounters(cb, x.b.m.counters());
      expect(d.pageSwaps, `sem ${sem}: every page placed as a frame`).toBe(16);
      // Copy copies every byte into new frames; without a plan only the pages the NIC happened
      // to fill whole at offset 0 are swapped, the rest copied.
      if (sem === Sem.COPY) expect(d.bytesCopied).toBe(N);
      else expect(d.bytesCopied > 0 && d.bytesCopied < N && d.bytesCopied % PAGE_SIZE === 0, `${d.bytesCopied} bytes copied`).toBe(true);
      expectBytes(await persisted(x), x.data);
    }
  });

  it("a datagram shorter than the receive that ends inside a page on disk: that page is read first (the receive is made again), the file's bytes after it kept", async () => {
    for (const sem of [Sem.EMULATED_COPY, Sem.COPY]) {
      const x = await cold();
      const n = 5 * PAGE_SIZE + 100;
      const rx = x.b.p.postRecv(x.fb, x.dst, N, { sem });
      x.a.p.sendto(x.fa, x.src, n, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
      expect(rx.wait().len, `sem ${sem}`).toBe(n);
      // Page 5 is read (16 pages with the read-ahead of a fault, at most), whole pages 0-4 are not.
      const read = x.b.m.disk!.stats.bytesRead - x.read0;
      expect(read, `sem ${sem}`).toBeGreaterThanOrEqual(2 * PAGE_SIZE);
      const want = OLD.slice();
      want.set(x.data.subarray(0, n));
      expectBytes(x.b.p.load(x.dst, N), want);
      expectBytes(await persisted(x), want);
    }
  });

  it("a queued datagram, and an IPC message to a waiting receive, that end inside a page on disk: read first, delivered byte-exact", async () => {
    const x = await cold();
    const n = 3 * PAGE_SIZE + 7;
    x.a.p.sendto(x.fa, x.src, n, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    x.a.m.world.run(); // queued at b's socket before b asks
    expect(x.b.p.recvfrom(x.fb, x.dst, N, { sem: Sem.EMULATED_COPY })!.len).toBe(n);
    const want = OLD.slice();
    want.set(x.data.subarray(0, n));
    // IPC: the receiver waits on a channel; the sender's message ends inside page 9 (on disk).
    const [e0, e1] = x.b.p.channel();
    const child = x.b.p.fork();
    const msg = child.mmap(N);
    child.store(msg, x.data);
    const rx = x.b.p.postRecv(e0, x.dst + 8 * PAGE_SIZE, 8 * PAGE_SIZE, { sem: Sem.EMULATED_COPY });
    child.sendto(e1, msg, PAGE_SIZE + 5, { sem: Sem.EMULATED_COPY });
    expect(rx.wait().len).toBe(PAGE_SIZE + 5);
    want.set(x.data.subarray(0, PAGE_SIZE + 5), 8 * PAGE_SIZE);
    expectBytes(x.b.p.load(x.dst, N), want);
    child.exit(0);
    expectBytes(await persisted(x), want);
  });
});
