// test/kernel/machines.ts — booting machines for kernel tests. Every machine booted in any test
// is checked (docs/architecture.md §13) when the test ends, even if the test itself passed:
// test/setup/invariants.ts, a vitest setup file, does it for every suite.

import { expect } from "vitest";
import { World, type Machine, type MachineOptions } from "../../tools/host/index";
import { loadKernel } from "../../tools/host/node";

/** world: a fresh world with the debug kernel. */
export async function world(seed = 1): Promise<World> {
  return new World({ kernel: await loadKernel(process.env.GENIE_KERNEL === "release" ? "release" : "debug"), seed });
}

/** machine: boot a machine in a fresh world (checked after the test). */
export async function machine(opts: MachineOptions = {}, w?: World): Promise<Machine> {
  return (w ?? (await world())).machine(opts);
}

export { pattern } from "../../tools/host/pattern";

/** expectBytes: actual equals expected byte for byte (fast for megabytes; names the first difference). */
export function expectBytes(actual: Uint8Array, expected: Uint8Array, what = "bytes"): void {
  if (actual.length === expected.length && Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.length))) return;
  let i = 0;
  while (i < Math.min(actual.length, expected.length) && actual[i] === expected[i]) i++;
  expect.fail(`${what}: differ at byte ${i} of ${expected.length} (got ${actual[i]}, want ${expected[i]}; lengths ${actual.length} / ${expected.length})`);
}
