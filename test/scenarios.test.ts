import { describe, expect, it } from "vitest";
import { loadKernel } from "../tools/host/node";
import { PAGE_SIZE } from "../tools/host/index";
import { defaults, PEER_WORKLOADS, resolveSettings, runScenario, scenarioByName, scenarioWorld, SCENARIOS, variants, type Scenario } from "../tools/scenarios/index";

const peer = (s: Scenario) => PEER_WORKLOADS.some((w) => w === s);

// Every scenario of the registry, under every variant it compares (every semantics for the
// datagram, every scheme for the workloads of the peers group): each run checks its own bytes
// (it throws if they differ) and runScenario checks every machine's invariants after it. The
// peers workloads run small (5 pages and 100 bytes; filenet two datagrams), the others at their
// defaults.
describe("scenario registry", () => {
  for (const s of SCENARIOS) {
    for (const v of variants(s).length ? variants(s) : [undefined]) {
      it(`${s.name}${v ? ` (${v})` : ""}: delivers its bytes intact and leaves every invariant holding`, async () => {
        const small = peer(s) ? { bytes: s.name === "filenet" ? 65536 + 100 : 5 * 4096 + 100 } : {};
        const settings = resolveSettings(s.settings, v ? { ...small, [s.compare!]: v } : small);
        const r = await runScenario(s, settings, scenarioWorld(await loadKernel(), settings));
        expect(Object.keys(r.metrics).length).toBeGreaterThan(0);
        for (const x of Object.values(r.metrics)) expect(Number.isFinite(x)).toBe(true);
      });
    }
  }

  it("the same settings give the same metrics (deterministic)", async () => {
    const s = scenarioByName("datagram");
    const settings = resolveSettings(s.settings, { semantics: "emulated-copy", bytes: 20000 });
    const kernel = await loadKernel();
    const a = await runScenario(s, settings, scenarioWorld(kernel, settings));
    const b = await runScenario(s, settings, scenarioWorld(kernel, settings));
    expect(b.metrics).toEqual(a.metrics);
  });

  it("copy moves every byte through both CPUs; emulated copy avoids the sender's copy", async () => {
    const s = scenarioByName("datagram");
    const kernel = await loadKernel();
    const run = async (semantics: string) => {
      const settings = resolveSettings(s.settings, { semantics, bytes: 16 * PAGE_SIZE });
      return (await runScenario(s, settings, scenarioWorld(kernel, settings))).metrics;
    };
    expect((await run("copy")).cpuBytesCopied).toBe(2 * 16 * PAGE_SIZE);
    expect((await run("emulated-copy")).cpuBytesCopied).toBeLessThanOrEqual(16 * PAGE_SIZE);
  });

  it("fork copies nothing; each first write copies one page", async () => {
    const s = scenarioByName("fork-cow");
    const settings = defaults(s.settings);
    const r = await runScenario(s, settings, scenarioWorld(await loadKernel(), settings));
    expect(r.metrics.forkBytesCopied).toBe(0);
    expect(r.metrics.writeBytesCopied).toBe(2 * PAGE_SIZE);
  });

  it("bad settings are refused with the setting's name", () => {
    const s = scenarioByName("datagram");
    expect(() => resolveSettings(s.settings, { semantics: "teleport" })).toThrow(/semantics must be one of copy/);
    expect(() => resolveSettings(s.settings, { bytes: "0" })).toThrow(/bytes must be an integer in 1\.\.1048576/);
    expect(() => resolveSettings(s.settings, { colour: "red" })).toThrow(/unknown setting "colour"/);
    expect(() => scenarioByName("nope")).toThrow(/unknown scenario "nope"/);
    const proxy = scenarioByName("proxy");
    expect(() => resolveSettings(proxy.settings, { scheme: "sendfile" })).toThrow(/scheme must be one of copy, zio, emulated-copy/);
    expect(() => resolveSettings(proxy.settings, { fraction: "0.125" })).toThrow(/fraction must be a multiple of 0.01 in 0\.\.1/);
    expect(resolveSettings(proxy.settings, { fraction: "0.25" }).fraction).toBe(0.25);
  });

  it("the peers group's workloads are scenarios whose schemes are their scheme setting's choices", () => {
    expect(PEER_WORKLOADS.map((w) => w.name)).toEqual(["bulk-datagram", "filenet", "fileserver", "cgi", "proxy", "kvset", "modify"]);
    for (const w of PEER_WORKLOADS) {
      expect(SCENARIOS).toContain(w);
      expect(variants(w)).toEqual(w.schemes);
    }
  });
});
