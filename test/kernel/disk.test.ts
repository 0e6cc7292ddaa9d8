// The block device: the driver (drivers/block.ts) and the disk model (tools/host/disk.ts), through
// the kernel's disk exports. Buffers are ordinary process pages; their frames are the DMA targets.
// Frames a write reads from are made read-only first, as TCOW would (an outRef > 0 frame must
// never be writable), so the invariant check may run while requests are in flight.

import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfigError, DISK_DESC_SIZE, DISK_RING_DESCS, DISK_RING_SIZE, DiskDesc, DiskOp, Disk, Errno, MemoryStore,
  PAGE_SIZE, ProcField, Prot, Subsys, type DiskOptions, type Machine, type Process,
} from "../../tools/host/index";
import { FileStore } from "../../tools/host/disk-node";
import { machine, pattern, world } from "./machines";


const PENDING = 1;

/** boot: a machine with a disk attached. */
async function boot(opts: DiskOptions = {}, seed = 1): Promise<{ m: Machine; disk: Disk }> {
  const disk = new Disk(opts);
  const m = await machine({ disk }, await world(seed));
  return { m, disk };
}

/** submit: one request, in a kernel entry on CPU 0; the request id (or -errno) and when the entry ended. */
function submit(m: Machine, op: DiskOp, block: number, frame: number): { id: number; end: number } {
  const { value, end } = m.enter(0, m.world.now, () => m.k.diskSubmit(op, block, frame));
  return { id: value, end };
}

/** buffers: n pages of a new process, each filled with pattern(seed + i); read-only if `forWrite`. */
function buffers(m: Machine, n: number, seed: number, forWrite: boolean): { p: Process; va: number; frames: number[] } {
  const p = m.spawn();
  const va = p.mmap(n * PAGE_SIZE);
  const frames: number[] = [];
  for (let i = 0; i < n; i++) {
    p.store(va + i * PAGE_SIZE, pattern(PAGE_SIZE, seed + i));
    frames.push(p.frameAt(va + i * PAGE_SIZE));
  }
  if (forWrite) p.mprotect(va, n * PAGE_SIZE, Prot.READ);
  return { p, va, frames };
}

const status = (m: Machine, id: number) => m.k.diskStatus(id);
const blockOf = (disk: Disk, b: number) => (disk.store as MemoryStore).block(b);

describe("block transfers", () => {
  it("blocks written from RAM frames read back byte-exact into other frames, by DMA only", async () => {
    const { m, disk } = await boot();
    const src = buffers(m, 8, 100, true);
    const dst = buffers(m, 8, 900, false);
    const c0 = m.counters();
    const writes = src.frames.map((f, i) => submit(m, DiskOp.WRITE, 3 + i, f).id);
    expect(writes).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(writes.map((id) => status(m, id))).toEqual(Array(8).fill(PENDING));
    m.world.run();
    expect(writes.map((id) => status(m, id))).toEqual(Array(8).fill(0));
    for (let i = 0; i < 8; i++) expect(blockOf(disk, 3 + i)).toEqual(pattern(PAGE_SIZE, 100 + i));
    const reads = dst.frames.map((f, i) => submit(m, DiskOp.READ, 3 + i, f).id);
    m.world.run();
    expect(reads.map((id) => status(m, id))).toEqual(Array(8).fill(0));
    for (let i = 0; i < 8; i++) expect(dst.p.load(dst.va + i * PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(PAGE_SIZE, 100 + i));
    const c1 = m.counters();
    expect(c1.dmaBytesOut - c0.dmaBytesOut).toBe(8 * PAGE_SIZE);
    expect(c1.dmaBytesIn - c0.dmaBytesIn).toBe(8 * PAGE_SIZE);
    expect(c1.interrupts - c0.interrupts).toBe(16);
    expect(c1.bytesCopied - c0.bytesCopied).toBe(0);
    expect(disk.stats).toMatchObject({ reads: 8, writes: 8, bytesRead: 8 * PAGE_SIZE, bytesWritten: 8 * PAGE_SIZE, readErrors: 0, writeErrors: 0 });
    for (const f of [...src.frames, ...dst.frames]) expect([m.frame(f).inRef, m.frame(f).outRef]).toEqual([0, 0]);
  });

  it("each request takes per-request + per-byte time, served one at a time in submission order", async () => {
    const { m } = await boot({ perRequestNs: 50_000, perByteNs: 2 });
    m.setTrace(Subsys.DISK);
    const { frames } = buffers(m, 3, 1, false);
    const S = 50_000 + 2 * PAGE_SIZE;
    const blocks = [7, 2, 5]; // served as queued, not sorted
    const subs = blocks.map((b, i) => submit(m, DiskOp.READ, b, frames[i]));
    m.world.run();
    // Completion k at c1 + k S; its DiskDone event comes after the interrupt entry's own cost.
    const c1 = subs[0].end + S;
    const irq = m.profile.costs.interrupts.ns;
    const done = m.traceLog.filter((e) => e.kind === "DiskDone").map((e) => [e.t - irq, e.a, e.b, e.c]);
    expect(done).toEqual([[c1, 1, 7, 0], [c1 + S, 2, 2, 0], [c1 + 2 * S, 3, 5, 0]]);
    const sub = m.traceLog.filter((e) => e.kind === "DiskSubmit").map((e) => [e.a, e.b, e.c]);
    expect(sub).toEqual([[1, DiskOp.READ, 7], [2, DiskOp.READ, 2], [3, DiskOp.READ, 5]]);
  });

  it("the disk sees a request when the kernel entry that submitted it ends on its CPU", async () => {
    const { m, disk } = await boot({ perRequestNs: 1_000, perByteNs: 0 });
    m.setTrace(Subsys.DISK);
    const { frames } = buffers(m, 1, 1, false);
    m.cpuFree[0] = 300_000; // CPU 0 busy until then: the entry, and so the doorbell, waits
    const { end } = submit(m, DiskOp.READ, 0, frames[0]);
    expect(end).toBe(300_000);
    expect(disk.pending).toBe(1);
    m.world.run();
    expect(m.traceLog.find((e) => e.kind === "DiskDone")!.t).toBe(301_000 + m.profile.costs.interrupts.ns);
  });
});

describe("errors", () => {
  it("injected read and write failures surface as EIO; nothing is transferred, the frames are released", async () => {
    const { m, disk } = await boot({ failReads: [4], failWrites: [6] });
    const w = buffers(m, 2, 10, true);
    const r = buffers(m, 2, 20, false);
    const c0 = m.counters();
    const badWrite = submit(m, DiskOp.WRITE, 6, w.frames[0]).id;
    const goodWrite = submit(m, DiskOp.WRITE, 4, w.frames[1]).id;
    m.world.run();
    const badRead = submit(m, DiskOp.READ, 4, r.frames[0]).id;
    const goodRead = submit(m, DiskOp.READ, 6, r.frames[1]).id;
    m.world.run();
    expect([badWrite, goodWrite, badRead, goodRead].map((id) => status(m, id))).toEqual([-Errno.EIO, 0, -Errno.EIO, 0]);
    expect(blockOf(disk, 6)).toEqual(new Uint8Array(PAGE_SIZE)); // the failed write left block 6 as it was
    expect(blockOf(disk, 4)).toEqual(pattern(PAGE_SIZE, 11));
    expect(r.p.load(r.va, PAGE_SIZE)).toEqual(pattern(PAGE_SIZE, 20)); // the failed read left the frame alone
    expect(r.p.load(r.va + PAGE_SIZE, PAGE_SIZE)).toEqual(new Uint8Array(PAGE_SIZE));
    const c1 = m.counters();
    expect(c1.interrupts - c0.interrupts).toBe(4);
    expect(c1.dmaBytesOut - c0.dmaBytesOut).toBe(PAGE_SIZE);
    expect(c1.dmaBytesIn - c0.dmaBytesIn).toBe(PAGE_SIZE);
    expect(disk.stats).toMatchObject({ reads: 2, writes: 2, readErrors: 1, writeErrors: 1, bytesRead: PAGE_SIZE, bytesWritten: PAGE_SIZE });
    for (const f of [...w.frames, ...r.frames]) expect([m.frame(f).inRef, m.frame(f).outRef]).toEqual([0, 0]);
    // Healing the block at run time lets the read through.
    disk.failBlock(4, "read", false);
    const again = submit(m, DiskOp.READ, 4, r.frames[0]).id;
    m.world.run();
    expect(status(m, again)).toBe(0);
    expect(r.p.load(r.va, PAGE_SIZE)).toEqual(pattern(PAGE_SIZE, 11));
  });

  it("a seeded error rate fails about that share of requests, the same ones for the same seed", async () => {
    const failing = async (seed: number) => {
      const { m, disk } = await boot({ readErrorRate: 0.25 }, seed);
      const { frames } = buffers(m, 1, 1, false);
      const ids: number[] = [];
      for (let batch = 0; batch < 2; batch++) {
        for (let i = 0; i < DISK_RING_SIZE; i++) ids.push(submit(m, DiskOp.READ, i, frames[0]).id);
        m.world.run();
      }
      const bad = ids.filter((id) => status(m, id) === -Errno.EIO);
      expect(ids.every((id) => status(m, id) === 0 || status(m, id) === -Errno.EIO)).toBe(true);
      expect(disk.stats.readErrors).toBe(bad.length);
      return bad;
    };
    const one = await failing(7);
    expect(one.length).toBeGreaterThan(256 * 0.25 - 5 * Math.sqrt(256 * 0.25 * 0.75));
    expect(one.length).toBeLessThan(256 * 0.25 + 5 * Math.sqrt(256 * 0.25 * 0.75));
    expect(await failing(7)).toEqual(one);
    expect(await failing(8)).not.toEqual(one);
  });

  it("the disk checks each descriptor itself: a block beyond the disk is refused (EINVAL), nothing moves", async () => {
    const { m, disk } = await boot({ blocks: 16 });
    const { p, va, frames } = buffers(m, 1, 5, false);
    // A driver bug, simulated: the descriptor is changed after the driver's own checks, before the doorbell is seen.
    const { value: id } = m.enter(0, m.world.now, () => {
      const id = m.k.diskSubmit(DiskOp.READ, 1, frames[0]);
      const d = disk.ringPa + DISK_RING_DESCS + ((id - 1) % DISK_RING_SIZE) * DISK_DESC_SIZE;
      new DataView(m.ram.buffer, m.ram.byteOffset).setUint32(d + DiskDesc.BLOCK, 99_999, true);
      return id;
    });
    m.world.run();
    expect(status(m, id)).toBe(-Errno.EINVAL);
    expect(disk.stats.badRequests).toBe(1);
    expect(p.load(va, PAGE_SIZE)).toEqual(pattern(PAGE_SIZE, 5));
    expect(m.frame(frames[0]).inRef).toBe(0);
  });

  it("bad arguments are refused before anything is queued", async () => {
    const bare = await machine();
    expect(submit(bare, DiskOp.READ, 0, 1).id).toBe(-Errno.ENODEV);
    const { m, disk } = await boot({ blocks: 32 });
    const { p, frames } = buffers(m, 1, 1, false);
    const free = m.frameMap().find((f) => f.kind === "FREE")!.frame;
    const pd = m.k.procInfo(p.pid, ProcField.PD);
    const c0 = m.counters();
    expect(submit(m, 3 as DiskOp, 0, frames[0]).id).toBe(-Errno.EINVAL); // no such op
    expect(submit(m, DiskOp.READ, 32, frames[0]).id).toBe(-Errno.EINVAL); // beyond the disk
    expect(submit(m, DiskOp.READ, -1, frames[0]).id).toBe(-Errno.EINVAL);
    expect(submit(m, DiskOp.READ, 0, 0).id).toBe(-Errno.EINVAL); // frame 0: the null guard
    expect(submit(m, DiskOp.READ, 0, m.frames).id).toBe(-Errno.EINVAL); // beyond RAM
    expect(submit(m, DiskOp.READ, 0, free).id).toBe(-Errno.EINVAL); // a free frame
    expect(submit(m, DiskOp.READ, 0, pd).id).toBe(-Errno.EINVAL); // a page directory
    expect(submit(m, DiskOp.READ, 0, disk.ringPa / PAGE_SIZE).id).toBe(-Errno.EINVAL); // the ring itself
    m.world.run();
    expect(disk.pending).toBe(0);
    expect(disk.stats.reads).toBe(0);
    expect(m.counters().interrupts - c0.interrupts).toBe(0);
    for (const id of [0, -3, 1, 1000]) expect(status(m, id)).toBe(-Errno.ERANGE);
  });

  it("the ring holds 128 requests; one more is refused with EAGAIN until a completion frees a slot", async () => {
    const { m } = await boot();
    const { frames } = buffers(m, 1, 1, false);
    for (let i = 0; i < DISK_RING_SIZE; i++) expect(submit(m, DiskOp.READ, i, frames[0]).id).toBe(i + 1);
    expect(m.frame(frames[0]).inRef).toBe(DISK_RING_SIZE);
    expect(submit(m, DiskOp.READ, 0, frames[0]).id).toBe(-Errno.EAGAIN);
    expect(m.world.runUntil(() => status(m, 1) === 0)).toBe(true);
    expect(submit(m, DiskOp.READ, 0, frames[0]).id).toBe(DISK_RING_SIZE + 1);
    m.world.run();
    expect(status(m, DISK_RING_SIZE + 1)).toBe(0);
    expect(m.frame(frames[0]).inRef).toBe(0);
  });
});

describe("power cut", () => {
  it("a crash after N acknowledged writes keeps exactly those writes; a new machine reads them back", async () => {
    const { m, disk } = await boot({ crashAfterWrites: 3 });
    const w = buffers(m, 6, 40, true);
    const c0 = m.counters();
    const ids = w.frames.map((f, i) => submit(m, DiskOp.WRITE, i, f).id);
    m.world.run();
    expect(ids.map((id) => status(m, id))).toEqual([0, 0, 0, PENDING, PENDING, PENDING]);
    expect(disk.crashed).toBe(true);
    expect(disk.stats).toMatchObject({ writes: 3, lostWrites: 3, bytesWritten: 3 * PAGE_SIZE });
    expect(m.counters().interrupts - c0.interrupts).toBe(3);
    expect(m.counters().dmaBytesOut - c0.dmaBytesOut).toBe(3 * PAGE_SIZE);
    // The unacknowledged requests never complete: their frames stay under output.
    expect(w.frames.map((f) => m.frame(f).outRef)).toEqual([0, 0, 0, 1, 1, 1]);
    // A powered-off disk ignores the doorbell.
    const late = submit(m, DiskOp.WRITE, 9, w.frames[0]).id;
    m.world.run();
    expect(status(m, late)).toBe(PENDING);
    expect(disk.pending).toBe(0);
    for (let b = 0; b < 6; b++) expect(blockOf(disk, b), `block ${b}`).toEqual(b < 3 ? pattern(PAGE_SIZE, 40 + b) : new Uint8Array(PAGE_SIZE));

    // Reboot: a new machine, a new disk on the same image.
    const { m: m2 } = await bootOn(disk.store);
    const r = buffers(m2, 6, 500, false);
    r.frames.forEach((f, i) => submit(m2, DiskOp.READ, i, f));
    m2.world.run();
    for (let b = 0; b < 6; b++)
      expect(r.p.load(r.va + b * PAGE_SIZE, PAGE_SIZE), `block ${b}`).toEqual(b < 3 ? pattern(PAGE_SIZE, 40 + b) : new Uint8Array(PAGE_SIZE));
  });

  it("crash() cuts the power at once: reads and writes in the queue are lost", async () => {
    const { m, disk } = await boot();
    const w = buffers(m, 2, 1, true);
    const r = buffers(m, 2, 9, false);
    submit(m, DiskOp.WRITE, 0, w.frames[0]);
    submit(m, DiskOp.READ, 1, r.frames[0]);
    submit(m, DiskOp.WRITE, 2, w.frames[1]);
    submit(m, DiskOp.READ, 3, r.frames[1]);
    expect(m.world.runUntil(() => status(m, 2) === 0)).toBe(true);
    disk.crash();
    m.world.run();
    expect([1, 2, 3, 4].map((id) => status(m, id))).toEqual([0, 0, PENDING, PENDING]);
    expect(disk.stats).toMatchObject({ lostWrites: 1, lostReads: 1 });
    expect(() => m.attachDisk(new Disk())).toThrow(/already attached/);
  });
});

describe("frames under DMA", () => {
  it("a frame its owner lets go of during a read becomes an orphan, freed when the read completes", async () => {
    const image = new Uint8Array(64 * PAGE_SIZE);
    image.set(pattern(PAGE_SIZE, 77), 2 * PAGE_SIZE);
    const { m } = await boot({ store: new MemoryStore(image) });
    const { p, va, frames } = buffers(m, 1, 1, false);
    const f = frames[0];
    const id = submit(m, DiskOp.READ, 2, f).id;
    p.munmap(va, PAGE_SIZE);
    expect(m.frame(f)).toMatchObject({ refs: 0, inRef: 1, maps: 0 });
    expect(m.frame(f).flags).toContain("ORPHAN");
    m.check(); // an orphan kept by pending input is accounted for
    const freed0 = m.counters().framesFreed;
    m.world.run();
    expect(status(m, id)).toBe(0);
    expect(m.frame(f).kind).toBe("FREE");
    expect(m.counters().framesFreed - freed0).toBe(1);
  });

  it("every invariant holds while reads and writes are in flight", async () => {
    const { m, disk } = await boot();
    const w = buffers(m, 4, 1, true);
    const r = buffers(m, 4, 50, false);
    w.frames.forEach((f, i) => submit(m, DiskOp.WRITE, i, f));
    r.frames.forEach((f, i) => submit(m, DiskOp.READ, 10 + i, f));
    expect(disk.pending).toBe(8);
    m.check();
    expect(m.world.runUntil(() => status(m, 5) === 0)).toBe(true);
    m.check();
    m.world.run();
  });
});

describe("disk images", () => {
  it("a file-backed image keeps acknowledged writes across machines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "genie-disk-"));
    try {
      const path = join(dir, "disk.img");
      const store = new FileStore(path, { blocks: 64 });
      const { m } = await bootOn(store);
      const w = buffers(m, 4, 300, true);
      w.frames.forEach((f, i) => submit(m, DiskOp.WRITE, 10 + i, f));
      m.world.run();
      store.close();
      const raw = readFileSync(path);
      expect(raw.length).toBe(64 * PAGE_SIZE);
      expect(new Uint8Array(raw.subarray(11 * PAGE_SIZE, 12 * PAGE_SIZE))).toEqual(pattern(PAGE_SIZE, 301));

      const again = new FileStore(path);
      expect(again.blocks).toBe(64);
      const { m: m2 } = await bootOn(again);
      const r = buffers(m2, 4, 0, false);
      r.frames.forEach((f, i) => submit(m2, DiskOp.READ, 10 + i, f));
      m2.world.run();
      for (let i = 0; i < 4; i++) expect(r.p.load(r.va + i * PAGE_SIZE, PAGE_SIZE)).toEqual(pattern(PAGE_SIZE, 300 + i));
      again.close();

      expect(() => new FileStore(join(dir, "none.img"))).toThrow(/no such image; give blocks/);
      writeFileSync(join(dir, "odd.img"), new Uint8Array(5000));
      expect(() => new FileStore(join(dir, "odd.img"))).toThrow(/5000 bytes is not a whole/);
      expect(() => new FileStore(path, { blocks: 65 })).toThrow(/has 64 blocks, not 65/);
      expect(existsSync(join(dir, "none.img"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bad options are refused with a ConfigError naming the field", async () => {
    const bad: [DiskOptions, RegExp][] = [
      [{ blocks: 0 }, /blocks must be an integer in 1 \.\. 262144, got 0/],
      [{ perRequestNs: -1 }, /perRequestNs must be a finite number >= 0, got -1/],
      [{ readErrorRate: 2 }, /readErrorRate must be a probability/],
      [{ failReads: [1024] }, /failReads holds 1024, not a block of this disk/],
      [{ crashAfterWrites: 0 }, /crashAfterWrites must be an integer >= 1/],
      [{ store: new MemoryStore(8), blocks: 9 }, /blocks disagrees with the store's 8 blocks/],
      [{ latency: 5 } as DiskOptions, /unknown option "latency"/],
    ];
    for (const [opts, msg] of bad) {
      expect(() => new Disk(opts)).toThrow(ConfigError);
      expect(() => new Disk(opts)).toThrow(msg);
    }
    expect(() => new MemoryStore(new Uint8Array(100))).toThrow(/whole 4096-byte blocks, got 100 bytes/);
    const { disk } = await boot();
    await expect(machine({ disk })).rejects.toThrow(/already attached to m0/);
  });
});

/** bootOn: a machine in a fresh world with a new disk on an existing store. */
async function bootOn(store: Disk["store"]): Promise<{ m: Machine; disk: Disk }> {
  return boot({ store });
}
