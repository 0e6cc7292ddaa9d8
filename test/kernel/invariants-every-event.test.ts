// The invariant check is exact: it reports nothing at any moment of a legal run. It runs on both
// machines after EVERY event (device, wire, timer) and every kernel entry of randomized
// two-machine datagram runs (test/kernel/datagram-scenarios.ts): every semantics, stores racing
// pending output, senders exiting or unmapping during I/O, receivers breaking their posted
// buffers, impaired wires, header split / patching / early demultiplexing.

import { describe, expect, it } from "vitest";
import { generate, runScenario, type Scenario } from "./datagram-scenarios";
import { machine, pattern, world } from "./machines";
import { PAGE_SIZE, Rng, SEMANTICS } from "../../tools/host/index";
import { awaitingCheck } from "../setup/invariants";

/** small: the scenario on machines of at most 24 MiB (the check walks every frame). */
const small = (s: Scenario): Scenario => ({ ...s, memA: Math.min(s.memA, 24), memB: Math.min(s.memB, 24) });

describe("every machine is checked after every test", () => {
  it("a machine booted by any route (World.machine, the test helpers) awaits the after-test invariant check", async () => {
    const w = await world(5);
    const direct = await w.machine({ memory: "1M" });
    const helper = await machine({ memory: "1M" });
    expect(awaitingCheck()).toContain(direct);
    expect(awaitingCheck()).toContain(helper);
  });
});

describe("the invariant check has no false positives", () => {
  it("holds after every event and kernel entry of random two-machine runs (all semantics, stores racing output, exits during I/O)", async () => {
    const every = { checks: 0 };
    const seen = { semantics: new Set<string>(), overwrite: 0, exit: 0, munmap: 0, abuse: 0 };
    for (const seed of SEEDS) {
      const s = small(generate(seed));
      for (const d of s.dgs) {
        seen.semantics.add(d.ssem).add(d.rsem);
        if (d.overwrite) seen.overwrite++;
        if (d.after === "exit") seen.exit++;
        if (d.after === "munmap") seen.munmap++;
        if (d.rxAbuse && d.rxAbuse !== "none") seen.abuse++;
      }
      const fails = await runScenario(s, { everyEvent: every });
      expect(fails.map((f) => `${f.kind}: ${f.msg}`), `scenario ${JSON.stringify(s)}`).toEqual([]);
    }
    expect(seen.semantics.size).toBe(8);
    expect(seen.overwrite).toBeGreaterThan(0);
    expect(seen.exit).toBeGreaterThan(0);
    expect(seen.munmap).toBeGreaterThan(0);
    expect(every.checks).toBeGreaterThan(5_000);
    console.log(`invariant checks: ${every.checks} over ${SEEDS.length} scenarios, 0 violations`);
  });
});

describe("the invariant check over IPC channels", () => {
  // A message queued on a channel under emulated share keeps its frames under output and
  // writable (weak integrity, no write protection): legal, so never reported; under the strong
  // semantics they are protected, and a store copies (TCOW).
  it("holds after every event and kernel entry while messages of every semantics wait on a channel and their senders (and a child sharing the frames) store into them", async () => {
    const rng = new Rng(77);
    let checks = 0;
    for (const s of SEMANTICS) {
      const w = await world(7);
      const m = await machine({ memory: "4M" }, w);
      w.watch(() => {
        checks++;
        const r = m.checkInvariants({ scrub: false });
        if (r.violations) throw new Error(`${s.name}: ${r.report}`);
      });
      const p = m.spawn();
      const [c0, c1] = p.channel();
      const src = p.mmap(8 * PAGE_SIZE);
      p.store(src, pattern(8 * PAGE_SIZE, 3));
      const q = p.fork();
      const dst = q.mmap(8 * PAGE_SIZE);
      const move = s.name.includes("move");
      for (let k = 0; k < 3; k++) {
        const at = src + (move ? 0 : rng.below(PAGE_SIZE)), len = move ? 2 * PAGE_SIZE : 1 + rng.below(3 * PAGE_SIZE);
        if (move && k > 0) break;
        p.sendto(c0, at, len, { sem: s.sem });
        if (!move) p.store(src + rng.below(4 * PAGE_SIZE), [k, k, k]);
        q.store(src + rng.below(4 * PAGE_SIZE), [9]);
        m.world.run();
        const got = q.recvfrom(c1, move ? 0 : dst, 4 * PAGE_SIZE, { sem: s.sem });
        expect(got?.len, s.name).toBe(len);
      }
      w.watch(null);
    }
    expect(checks).toBeGreaterThan(50);
  });
});

// Generator seeds (about 7,000 checks, ~10 s on the debug kernel): among them every semantics,
// senders overwriting (4, 26, 30, 42, 48, 53), unmapping (4, 19, 30, 48) and exiting (4, 32, 34)
// during output, a receiver unmapping its posted buffer (30), impaired wires (19, 26, 48).
const SEEDS = [4, 19, 26, 30, 32, 34, 42, 48, 53];
