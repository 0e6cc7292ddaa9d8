// Random one-way datagram scenarios (test/kernel/datagram-scenarios.ts) over a fixed list of seeds,
// and the scenarios that reproduced the receive-path bugs they found. A failing case prints its
// scenario as JSON: runScenario(JSON.parse(...)) replays it exactly.

import { describe, expect, it } from "vitest";
import { generate, runScenario, type Datagram, type Scenario } from "./datagram-scenarios";

const GUARANTEE = "every delivered datagram is byte-exact, no byte around the receive buffer changes, the sender's buffer keeps what it sent, invariants hold, no frame leaks";

/** expectClean: s runs with no failure (the message carries the scenario to replay). */
async function expectClean(s: Scenario): Promise<void> {
  const fails = await runScenario(s);
  expect(fails.map((f) => `${f.kind}: ${f.msg}`), `scenario ${JSON.stringify(s)}`).toEqual([]);
}

/** scenario: one MTU-1500 pair, 16 MiB each, clean wire, serial, with these changes. */
function scenario(o: Partial<Scenario>, dgs: Partial<Datagram>[]): Scenario {
  return {
    seed: 1, profile: "default", memA: 16, memB: 16, cpusA: 1, cpusB: 1, cpuA: 0, cpuB: 0, mtuA: 1500, mtuB: 1500,
    hsA: false, hsB: false, csA: false, csB: false, edA: false, edB: false, wire: null, fast: false, mode: "serial", rounds: 1,
    ...o,
    dgs: dgs.map((d) => ({ len: 1000, rlen: d.len ?? 1000, so: 0, ro: 0, ssem: "copy", rsem: "emulated-copy", post: "before", resident: "full", overwrite: false, migrate: false, keep: false, ...d })),
  };
}

const patched = { csB: true, edB: true }; // header patching: no header split, early demux, checksum offload
const split = { hsB: true, edB: true }; // header split + early demux: share receives in the application's frames
const impaired = (w: Partial<NonNullable<Scenario["wire"]>>) => ({ wire: { loss: 0, corrupt: 0, duplicate: 0, reorder: 0, ...w } });

describe(`random one-way datagram scenarios: ${GUARANTEE}`, () => {
  // 160 seeds: about 20 s with the debug kernel on two cores (~40 s on a loaded machine); among
  // them clean and impaired wires, every semantics, header split / offload / early demux on and
  // off, MTU mismatches
  const SEEDS = 160, GROUP = 40;
  for (let from = 1; from <= SEEDS; from += GROUP) {
    const to = Math.min(SEEDS, from + GROUP - 1);
    it(`seeds ${from}..${to}`, async () => {
      for (let seed = from; seed <= to; seed++) await expectClean(generate(seed));
    });
  }
});

describe(`datagram scenarios that found receive-path bugs: ${GUARANTEE}`, () => {
  const cases: [string, Scenario][] = [
    ["bug 1a: header patching, sender's MTU below the receiver's (frames shorter than their slots)",
      scenario({ ...patched, mtuB: 9000 }, [{ len: 20000 }])],
    ["bug 1b: header patching, a stray last fragment in a plan never renewed corrupts the next datagram",
      scenario(patched, [{ len: 1473, rlen: 70000 }, { len: 70000 }])],
    ["bug 2: a share plan consumed by a stray last fragment stays posted over the application's page",
      scenario({ ...split, rounds: 2 }, [{ len: 1473, rlen: 1400, ro: 4000, rsem: "share" }, { len: 1000, post: "after" }, { len: 1473, rlen: 100, ro: 1, rsem: "share" }, { len: 1000, post: "after" }])],
    ["bug 3: header split, a frame up to 64 - headers bytes over the posted buffers runs past the ring",
      scenario(split, [{ len: 1460 }, { len: 1472, rlen: 1460 }, { len: 1460 }])],
    ["bug 4: header patching restores saved bytes under a jumbogram's header length over an ordinary fragment",
      scenario({ ...patched, mtuA: 9000, mtuB: 9000 }, [{ len: 20000, rlen: 70000 }])],
    ["bug 5: a receiver killed with a share receive posted leaves its frames wired in the device's ring",
      scenario({ ...split, ...impaired({ loss: 1 }) }, [{ len: 3000, rsem: "share" }, { len: 3000, rsem: "share" }])],
    ["bug 6: share input with fragments out of order copies over bytes it has not read yet",
      scenario({ ...split, ...impaired({ reorder: 0.5 }) }, Array.from({ length: 6 }, () => ({ len: 20000, rsem: "share" })))],
    ["bug 7: header patching, a duplicate last fragment on queue 0 completes a datagram still under headers",
      scenario({ ...patched, mtuA: 576, mtuB: 576, ...impaired({ duplicate: 0.5 }) }, Array.from({ length: 8 }, () => ({ len: 2752 })))],
  ];
  for (const [name, s] of cases) it(name, () => expectClean(s));
});
