// Booting machines: every size the kernel accepts, from 64 KiB to 1 GiB, boots with physical
// RAM where the host can see it; sizes outside that range are refused; many machines live
// side by side in one host process, each with its own state.

import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_FRAMES, MAX_FRAMES, MIN_FRAMES, PAGE_SIZE, parseMemory } from "../../tools/host/index";
import { machine, pattern, world } from "./machines";


describe("boot", () => {
  it("the default machine has 16 MiB: 4096 frames, frame 0 reserved, the rest free and zero", async () => {
    const m = await machine();
    expect(m.frames).toBe(DEFAULT_FRAMES);
    expect(m.ram.length).toBe(16 << 20);
    expect(m.freeFrames).toBe(DEFAULT_FRAMES - 1);
    expect(m.frameSummary()).toEqual({ KERNEL: 1, FREE: DEFAULT_FRAMES - 1 });
    expect(Buffer.from(m.ram.buffer, m.ram.byteOffset, m.ram.length).equals(Buffer.alloc(m.ram.length))).toBe(true);
    expect(m.cpus).toBe(1);
    expect(m.counters()).toEqual(Object.fromEntries(Object.keys(m.counters()).map((k) => [k, 0])));
  });

  it("RAM is page-aligned in linear memory, and a byte stored through the MMU lands at its physical address", async () => {
    const m = await machine();
    expect(m.k.ramBase() % PAGE_SIZE).toBe(0);
    const p = m.spawn();
    const va = p.mmap(PAGE_SIZE);
    p.store(va + 100, [0xab]);
    const f = p.frameAt(va);
    expect(m.ram[f * PAGE_SIZE + 100]).toBe(0xab);
    expect(p.translate(va + 100, 1)).toBe(f * PAGE_SIZE + 100);
  });

  it("a 256 MiB machine boots and runs", async () => {
    const m = await machine({ memory: "256M", cpus: 4 });
    expect(m.frames).toBe(65536);
    expect(m.ram.length).toBe(256 << 20);
    expect(m.freeFrames).toBe(65535);
    const p = m.spawn({ cpu: 3 });
    const va = p.mmap(64 << 20);
    const data = pattern(3 * PAGE_SIZE, 5);
    p.store(va + (63 << 20), data);
    expect(p.load(va + (63 << 20), data.length)).toEqual(data);
  });

  it(`the largest machine, ${MAX_FRAMES * PAGE_SIZE >> 20} MiB, boots; its last frame is usable RAM`, async () => {
    const m = await machine({ memory: MAX_FRAMES * PAGE_SIZE });
    expect(m.frames).toBe(MAX_FRAMES);
    expect(m.freeFrames).toBe(MAX_FRAMES - 1);
    expect(m.ram.length).toBe(MAX_FRAMES * PAGE_SIZE);
    m.ram[m.ram.length - 1] = 0x5a; // the host can reach it (and the kernel's check sees it: clean it)
    expect(m.ram[m.ram.length - 1]).toBe(0x5a);
    m.ram[m.ram.length - 1] = 0;
  });

  it("the smallest machine has 16 frames", async () => {
    const m = await machine({ memory: "64K" });
    expect(m.frames).toBe(MIN_FRAMES);
    expect(m.freeFrames).toBe(MIN_FRAMES - 1);
  });

  it("sizes outside the kernel's range, or not whole frames, are refused with ConfigError", async () => {
    const w = await world();
    for (const memory of ["60K", MAX_FRAMES * PAGE_SIZE + PAGE_SIZE, "2G", "16M+1", 5000, "lots"])
      await expect(w.machine({ memory }), String(memory)).rejects.toThrow(ConfigError);
    await expect(w.machine({ cpus: 5 })).rejects.toThrow(/cpus: 5 is not in 1\.\.4/);
    await expect(w.machine({ cpus: 0 })).rejects.toThrow(ConfigError);
    expect(parseMemory("1G")).toBe(1 << 30);
    expect(parseMemory("512K")).toBe(512 << 10);
    expect(w.machines).toEqual([]);
  });

  it("50 small machines boot quickly in one process, each with its own memory and processes", async () => {
    const w = await world();
    const t0 = performance.now();
    const ms = [];
    for (let i = 0; i < 50; i++) ms.push(await w.machine({ memory: "256K" }));
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThan(10_000); // typically well under a second
    const vas = ms.map((m, i) => {
      const p = m.spawn();
      const va = p.mmap(PAGE_SIZE);
      p.store(va, [i]);
      return { p, va };
    });
    ms.forEach((m, i) => {
      expect(vas[i].p.pid).toBe(1); // pid numbering is per machine
      expect(vas[i].p.load(vas[i].va, 1)[0]).toBe(i);
      expect(m.freeFrames).toBe(63 - 3);
      expect(m.check()).toBeUndefined();
    });
    expect(new Set(ms.map((m) => m.name)).size).toBe(50);
  });

  it("a booted kernel refuses to boot again", async () => {
    const m = await machine();
    expect(m.k.boot(4096, 1)).toBe(-16 /* EBUSY */);
    expect(m.freeFrames).toBe(4095);
  });
});
