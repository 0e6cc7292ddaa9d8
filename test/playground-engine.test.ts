import { describe, expect, it, vi } from "vitest";
import { readFile } from "node:fs/promises";
import * as esbuild from "esbuild";
import { kernelPath, loadKernel } from "../tools/host/node";
import { compileKernel } from "../tools/host/reset";
import { Engine, FrameClass, Mark, describeError } from "../tools/playground/engine";
import { PcapWriter } from "../tools/host/index";
import { awaitingCheck, checked } from "./setup/invariants";
import { takeDisposed } from "./setup/checked";
import { resolveSettings, runScenario, scenarioByName, scenarioWorld } from "../tools/scenarios/index";
// @ts-expect-error: an .mjs build script without types
import { browserOnly } from "../tools/build/playground.mjs";

const spec = { scenario: "datagram", settings: { semantics: "emulated-copy", bytes: 20000 } };

describe("playground engine", () => {
  it("runs again on the kernel instances of the world before, reset: the same frames maps, counters and result as on new instances", async () => {
    // A module of its own: no instance of it is idle yet, so the first run boots new ones.
    const fresh = new Engine(await compileKernel(await readFile(kernelPath())));
    const rec = await fresh.record(spec);
    expect(rec.error).toBeNull();
    const end = await fresh.goto(rec.steps.length); // the recording's own world: new instances
    const n = rec.steps.findIndex((st) => st.label.includes("sendto")) + 1;
    const instantiate = vi.spyOn(WebAssembly, "instantiate");
    try {
      const again = await fresh.goto(n); // the recording's world disposed: its instances reused
      const back = await fresh.goto(n); // and again, after a run stopped half-way
      const whole = await fresh.goto(rec.steps.length - 1);
      const last = await fresh.play(rec.steps.length - 1, () => {});
      expect(instantiate).not.toHaveBeenCalled();
      for (const [a, b] of [[again, back], [last, end]]) {
        expect(a.t).toBe(b.t);
        expect(a.machines.length).toBe(b.machines.length);
        for (let i = 0; i < a.machines.length; i++) {
          expect(Array.from(a.machines[i].classes)).toEqual(Array.from(b.machines[i].classes));
          expect(a.machines[i].counters).toEqual(b.machines[i].counters);
          expect(a.machines[i].invariants.violations).toBe(0);
        }
      }
      expect(last.metrics).toEqual(rec.metrics);
      expect(whole.step).toBe(rec.steps.length - 1);
      expect(back.machines.some((m) => m.counters.syscalls > 0)).toBe(true);
    } finally {
      instantiate.mockRestore();
    }
  });

  it("shows zIO's sources as their own frame class and the pages owing them in the page tables", async () => {
    const engine = new Engine(await loadKernel());
    const rec = await engine.record({ scenario: "proxy", settings: { scheme: "zio", bytes: 8 * 4096, messages: 1, fraction: 0 } });
    expect(rec.error).toBeNull();
    const end = await engine.goto(rec.steps.length);
    const a = end.machines[0];
    // The copies still owe their pages at the end: 2 buffers x 8 pages, both owing the receive buffer's 8 frames.
    const owed = a.procs!.flatMap((p) => p.owed);
    expect(owed.length).toBe(16);
    const sources = new Set(owed.map((o) => o.frame));
    expect(sources.size).toBe(8);
    for (const f of sources) expect(a.classes[f]).toBe(FrameClass.OWED);
    expect(Array.from(a.classes).filter((c) => c === FrameClass.OWED).length).toBe(8);
    // The page-table view lists an owed page apart from the mapped ones: it has no mapping.
    const mapped = new Set(a.procs!.flatMap((p) => p.pages.map((e) => e.va)));
    for (const o of owed) expect(mapped.has(o.va)).toBe(false);
  });

  it("watching a run changes nothing: its result equals an unwatched run's", async () => {
    const kernel = await loadKernel();
    const rec = await new Engine(kernel).record(spec);
    const s = scenarioByName("datagram");
    const settings = resolveSettings(s.settings, spec.settings);
    expect(rec.error).toBeNull();
    expect(rec.metrics).toEqual((await runScenario(s, settings, scenarioWorld(kernel, settings))).metrics);
    expect(rec.steps.length).toBeGreaterThan(20);
  });

  it("a step is the same whichever way it is reached; its delta is what that one step added", async () => {
    const kernel = await loadKernel();
    const a = new Engine(kernel), b = new Engine(kernel);
    const rec = await a.record(spec);
    await b.record(spec);
    const n = rec.steps.findIndex((st) => st.label.includes("sendto")) + 1;
    await a.goto(rec.steps.length);
    const there = await a.goto(n); // back in time
    const fresh = await b.goto(n);
    const before = await b.goto(n - 1);
    expect(there.step).toBe(n);
    expect(there.t).toBe(fresh.t);
    for (let i = 0; i < there.machines.length; i++) {
      expect(Array.from(there.machines[i].classes)).toEqual(Array.from(fresh.machines[i].classes));
      expect(there.machines[i].counters).toEqual(fresh.machines[i].counters);
      const m = there.machines[i];
      for (const k in m.counters) expect(m.delta[k]).toBe(m.counters[k] - before.machines[i].counters[k]);
    }
    expect(there.machines.some((m) => Object.values(m.delta).some((d) => d > 0))).toBe(true);
    const end = await a.goto(rec.steps.length);
    expect(end.metrics).toEqual(rec.metrics);
    expect(end.packets!.length).toBeGreaterThan(0);
    // Right after recording, the end is shown without a second run: the same picture.
    const c = new Engine(kernel);
    await c.record(spec);
    const quick = await c.goto(rec.steps.length);
    const view = (x: typeof end) => [x.t, x.label, x.metrics, x.packets!.length, x.trace, x.machines.map((m) => [Array.from(m.classes), m.counters, m.delta, m.procs, m.invariants])];
    expect(view(quick)).toEqual(view(end));
  });

  it("playing from a step films the same run: each picture equals that step's, and it ends where the recording ends", async () => {
    const e = new Engine(await loadKernel());
    const rec = await e.record(spec);
    const films: Awaited<ReturnType<Engine["goto"]>>[] = [];
    const end = await e.play(10, (s) => films.push(s), { everyMs: 0 });
    expect(films.map((f) => f.step)).toEqual(Array.from({ length: rec.steps.length - 10 }, (_, i) => 11 + i));
    expect(end.metrics).toEqual(rec.metrics);
    const pick = films[Math.floor(films.length / 3)];
    const again = new Engine(e.kernel);
    await again.record(spec);
    const there = await again.goto(pick.step);
    expect(pick.machines.map((m) => [Array.from(m.classes), m.counters, m.delta])).toEqual(there.machines.map((m) => [Array.from(m.classes), m.counters, m.delta]));
  });

  it("a film of the maps alone leaves the other views out, its delta spans the steps since the previous picture, and its end has every view", async () => {
    const e = new Engine(await loadKernel());
    const rec = await e.record(spec);
    const films: Awaited<ReturnType<Engine["goto"]>>[] = [];
    const end = await e.play(0, (s) => films.push(s), { everyMs: 0, needs: {} });
    expect(films.length).toBe(rec.steps.length);
    for (const f of films) expect([f.packets, f.trace, ...f.machines.flatMap((m) => [m.procs, m.rings])].every((v) => v === null)).toBe(true);
    expect(end.packets!.length).toBeGreaterThan(0);
    expect(end.machines.every((m) => m.procs !== null && m.rings !== null)).toBe(true);
    // One picture only (the first step), then the end: the end's delta spans every step after it.
    const one: typeof films = [];
    const last = await e.play(0, (s) => one.push(s), { everyMs: 1e9, needs: {} });
    expect(one.map((s) => s.step)).toEqual([1]);
    const m = last.machines[0];
    for (const k in m.counters) expect(m.delta[k]).toBe(m.counters[k] - (films[0].machines[0]?.counters[k] ?? 0));
    expect(Object.values(m.delta).some((d) => d > 1)).toBe(true);
  });

  it("a film stops at the first step that breaks an invariant, and names it: checked at every step, and checked at each picture (the steps since the last picture that passed are run again, each checked)", async () => {
    const e = new Engine(await loadKernel());
    // The script corrupts the frame table (a reference count) between two system calls.
    const script = `const m = await world.machine({ name: "solo" });\nconst p = m.spawn();\nconst va = p.mmap(PAGE_SIZE);\np.store(va, [1]);\nconst at = m.k.frameTablePtr() + 1 * FRAME_META_SIZE + FrameField.REFS;\nnew DataView(m.k.memory.buffer).setUint16(at, 999, true);\np.mmap(PAGE_SIZE);\np.mmap(PAGE_SIZE);\n`;
    const rec = await e.record({ scenario: "datagram", settings: {}, script });
    expect(rec.error).toMatch(/invariant/i);
    // The machine was broken on purpose: the check as each run again disposes of the world
    // before, and the one after every test, need not report it again.
    for (const m of [...awaitingCheck()]) checked(m);
    const end = await e.play(0, () => {}, { everyMs: 0, needs: {}, checkEveryStep: true });
    expect(end.error).toMatch(/^step \d+: solo: \d+ invariant violation/);
    expect(end.step).toBeLessThan(rec.steps.length + 1);
    for (const m of [...awaitingCheck()]) checked(m);
    // The first step whose own snapshot (a run stopped there, every machine checked) shows the violation.
    let first = 1;
    while ((await e.goto(first, {})).machines.every((m) => m.invariants.violations === 0)) first++;
    for (const m of [...awaitingCheck()]) checked(m);
    expect(end.error).toMatch(new RegExp(`^step ${first}: `));
    expect(end.step).toBe(first);
    // (The worlds stopped before step first, disposed of on the way, were checked and held.)
    expect(takeDisposed().filter((d) => d.report !== "")).toEqual([]);
    // Checked at each picture: a picture at every step, then one picture only (the first step) and the end.
    for (const everyMs of [0, 1e9]) {
      const posted: number[] = [];
      const fast = await e.play(0, (s) => posted.push(s.step), { everyMs, needs: {} });
      for (const m of [...awaitingCheck()]) checked(m);
      // The film's world, disposed of as the steps were run again, is the one the script broke.
      for (const d of takeDisposed()) expect([d.name, d.report]).toEqual(["solo", expect.stringMatching(/refs 999 but/)]);
      expect([fast.step, fast.error?.slice(0, `step ${first}: solo: `.length)], `everyMs ${everyMs}`).toEqual([first, `step ${first}: solo: `]);
      expect(fast.machines.some((m) => m.invariants.violations > 0)).toBe(true);
      expect(Math.max(0, ...posted)).toBeLessThan(first); // no picture that shows the violation was posted
    }
  });

  it("the recording marks each step's kernel entries, interrupts, faults, packets and header patches; patches only without header split", async () => {
    const kernel = await loadKernel();
    const receive = { semantics: "emulated-copy", bytes: 32768, mtu: 9000 };
    const count = (steps: { marks: number }[], m: Mark) => steps.filter((s) => s.marks & m).length;
    const split = await new Engine(kernel).record({ scenario: "datagram", settings: { ...receive, headerSplit: true } });
    const e = new Engine(kernel);
    const rec = await e.record({ scenario: "datagram", settings: { ...receive, headerSplit: false } });
    expect(count(split.steps, Mark.PATCH)).toBe(0);
    // 32 KiB in 4 packets at MTU 9000: each packet after the first patches the one before.
    expect(count(rec.steps, Mark.PATCH)).toBeGreaterThan(0);
    for (const m of [Mark.ENTRY, Mark.INTERRUPT, Mark.FAULT, Mark.SENT, Mark.RECEIVED]) expect(count(rec.steps, m)).toBeGreaterThan(0);
    for (const s of rec.steps) {
      expect(Boolean(s.marks & Mark.ENTRY)).toBe(s.entries > 0);
      if (s.marks & Mark.INTERRUPT) expect(s.label).toMatch(/interrupt/);
    }
    // At the last patch: the patches so far, each with the RAM around it as it is there.
    const at = rec.steps.map((s) => s.marks & Mark.PATCH).lastIndexOf(Mark.PATCH) + 1;
    const snap = await e.goto(at);
    expect(snap.patches!.length).toBe(3);
    for (const p of snap.patches!) {
      expect(p.len).toBeGreaterThanOrEqual(14 + 20);
      expect(p.at).toBeLessThanOrEqual(p.pa);
      expect(p.at + p.bytes.length).toBeGreaterThanOrEqual(p.pa + p.len);
      expect(Array.from(p.bytes)).toEqual(Array.from(e.bytes(p.machine, p.at, p.bytes.length)));
      expect(snap.machines[p.machine].name).toBe("b");
    }
    // A run again for the maps alone goes untraced: no trace, no patches, the recording's labels.
    const send = rec.steps.findIndex((st) => /sendto/.test(st.label)) + 1;
    const bare = await e.goto(send, {});
    expect([bare.patches, bare.trace, bare.label]).toEqual([null, null, rec.steps[send - 1].label]);
    expect(bare.label).toMatch(/^a: process 1: sendto$/);
  });

  it("the packets and the pcap at a step are those of a run that captured the wire itself", async () => {
    const kernel = await loadKernel();
    const s = scenarioByName("datagram");
    const settings = resolveSettings(s.settings, spec.settings);
    const pcap = new PcapWriter({ nanosecond: true });
    await runScenario(s, settings, scenarioWorld(kernel, settings), { pcap });
    const e = new Engine(kernel);
    const rec = await e.record(spec);
    await e.goto(rec.steps.length);
    expect(e.pcapBytes()).toEqual(pcap.bytes());
    const mid = rec.steps.findIndex((st) => st.marks & Mark.SENT) + 1;
    expect((await e.goto(mid - 1)).packets).toEqual([]);
    expect((await e.goto(mid)).packets!.length).toBeGreaterThan(0);
    const fresh = new Engine(kernel);
    await fresh.record(spec);
    await fresh.goto(mid);
    expect(e.pcapBytes()).toEqual(fresh.pcapBytes());
  });

  it("a script that throws reports the line it threw at; step 0 is an empty world", async () => {
    const e = new Engine(await loadKernel());
    const rec = await e.record({ scenario: "datagram", settings: {}, script: "const m = await world.machine();\n\nm.spawn().store(0, [1]);\n" });
    expect(rec.error).toMatch(/^line 3: SegmentationFault/);
    expect((await e.goto(0)).machines).toEqual([]);
  });

  it("a script's error names its line from V8's stack and from Firefox's (SpiderMonkey's), and none from a stack without the script", () => {
    const err = (stack: string) => Object.assign(new Error("boom"), { stack });
    // As Chromium and Node print it, and as Firefox 153 prints it in the playground's worker.
    expect(describeError(err("Error: boom\n    at eval (eval at runScript (http://h/worker.js:50:1), <anonymous>:4:7)\n    at runScript (http://h/worker.js:50:9)"))).toBe("line 2: Error: boom");
    expect(describeError(err("anonymous@http://h/worker.js line 50 > AsyncFunction:5:1\nrunScript@http://h/worker.js:50:9\n"))).toBe("line 3: Error: boom");
    expect(describeError(err("f@http://h/worker.js line 50 > Function:4:2\n"))).toBe("line 2: Error: boom");
    expect(describeError(err("runScript@http://h/worker.js:50:9\n"))).toBe("Error: boom");
  });

  it("the browser bundle refuses any Node built-in", async () => {
    const built = esbuild.build({
      stdin: { contents: 'import { readFile } from "node:fs/promises"; console.log(readFile);', resolveDir: "." },
      bundle: true, platform: "browser", write: false, logLevel: "silent", plugins: [browserOnly],
    });
    await expect(built).rejects.toThrow(/Node built-in "node:fs\/promises".*runs in a browser/);
  });
});
