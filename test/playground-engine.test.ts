import { describe, expect, it } from "vitest";
import * as esbuild from "esbuild";
import { loadKernel } from "../tools/host/node";
import { Engine } from "../tools/playground/engine";
import { resolveSettings, runScenario, scenarioByName, scenarioWorld } from "../tools/scenarios/index";
// @ts-expect-error: an .mjs build script without types
import { browserOnly } from "../tools/build/playground.mjs";

const spec = { scenario: "datagram", settings: { semantics: "emulated-copy", bytes: 20000 } };

describe("playground engine", () => {
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
    expect(end.packets.length).toBeGreaterThan(0);
  });

  it("playing from a step films the same run: each picture equals that step's, and it ends where the recording ends", async () => {
    const e = new Engine(await loadKernel());
    const rec = await e.record(spec);
    const films: Awaited<ReturnType<Engine["goto"]>>[] = [];
    const end = await e.play(10, (s) => films.push(s), 0);
    expect(films.map((f) => f.step)).toEqual(Array.from({ length: rec.steps.length - 10 }, (_, i) => 11 + i));
    expect(end.metrics).toEqual(rec.metrics);
    const pick = films[Math.floor(films.length / 3)];
    const again = new Engine(e.kernel);
    await again.record(spec);
    const there = await again.goto(pick.step);
    expect(pick.machines.map((m) => [Array.from(m.classes), m.counters, m.delta])).toEqual(there.machines.map((m) => [Array.from(m.classes), m.counters, m.delta]));
  });

  it("a script that throws reports the line it threw at; step 0 is an empty world", async () => {
    const e = new Engine(await loadKernel());
    const rec = await e.record({ scenario: "datagram", settings: {}, script: "const m = await world.machine();\n\nm.spawn().store(0, [1]);\n" });
    expect(rec.error).toMatch(/^line 3: SegmentationFault/);
    expect((await e.goto(0)).machines).toEqual([]);
  });

  it("the browser bundle refuses any Node built-in", async () => {
    const built = esbuild.build({
      stdin: { contents: 'import { readFile } from "node:fs/promises"; console.log(readFile);', resolveDir: "." },
      bundle: true, platform: "browser", write: false, logLevel: "silent", plugins: [browserOnly],
    });
    await expect(built).rejects.toThrow(/Node built-in "node:fs\/promises".*runs in a browser/);
  });
});
