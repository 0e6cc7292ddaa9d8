// test/kernel/machines.ts — booting machines for kernel tests, with the invariant check after
// every test: each test file calls useMachines() once, and every machine it boots is checked
// (docs/architecture.md §13) when the test ends, even if the test itself passed.

import { afterEach, expect } from "vitest";
import { World, type Machine, type MachineOptions } from "../../tools/host/index";
import { loadKernel } from "../../tools/host/node";

const live: Machine[] = [];

/** useMachines: register the after-each invariant check for this test file. */
export function useMachines(): void {
  afterEach(() => {
    const ms = live.splice(0);
    for (const m of ms) {
      const { violations, report } = m.checkInvariants();
      expect(report, `invariants of ${m.name}`).toBe("");
      expect(violations).toBe(0);
    }
  });
}

/** world: a fresh world with the debug kernel. */
export async function world(seed = 1): Promise<World> {
  return new World({ kernel: await loadKernel(process.env.GENIE_KERNEL === "release" ? "release" : "debug"), seed });
}

/** machine: boot a machine in a fresh world (checked after the test). */
export async function machine(opts: MachineOptions = {}, w?: World): Promise<Machine> {
  const m = await (w ?? (await world())).machine(opts);
  live.push(m);
  return m;
}

/** track: check this machine after the test too (machines booted by other means). */
export function track(m: Machine): Machine {
  live.push(m);
  return m;
}

export { pattern } from "../../tools/host/pattern";

/** expectBytes: actual equals expected byte for byte (fast for megabytes; names the first difference). */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, what = "bytes"): void {
  if (actual.length === expected.length && Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.length))) return;
  let i = 0;
  while (i < Math.min(actual.length, expected.length) && actual[i] === expected[i]) i++;
  expect.fail(`${what}: differ at byte ${i} of ${expected.length} (got ${actual[i]}, want ${expected[i]}; lengths ${actual.length} / ${expected.length})`);
}
