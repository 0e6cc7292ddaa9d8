// tools/scenarios/index.ts — the scenario registry: the workloads the CLI runs (genie run), the
// benchmarks measure (genie bench peers: the peers group), the tests check under every
// semantics or scheme they declare (test/scenarios.test.ts) and the playground animates.
//
// A scenario is written against the host library only (tools/host): it is handed a world made
// by its caller, boots its machines there and drives them, so that whoever made the world may
// watch it (the playground's timeline is the world's observer) without the scenario knowing.
// It checks its own result (the bytes that arrive are the bytes sent) and throws if not.

import { World } from "../host/index";
import type { Settings } from "./settings";
import type { Hooks, Scenario, ScenarioResult } from "./scenario";
import { datagram } from "./datagram";
import { forkCow } from "./fork";
import { fileNetFile } from "./filenet";
import { ipcServer } from "./ipc";
import { pswapPages } from "./pswap";
import { PEER_WORKLOADS } from "./peers/index";

/** SCENARIOS: every scenario, in the order menus show them: Genie's, then the workloads of Genie
 *  beside the systems after it (tools/scenarios/peers/, `genie bench peers`). */
export const SCENARIOS: readonly Scenario[] = [datagram, forkCow, fileNetFile, ipcServer, pswapPages, ...PEER_WORKLOADS];

/** variants: the choices of s's compare setting ([] if it has none). */
export function variants(s: Scenario): readonly string[] {
  const spec = s.settings.find((x) => x.key === s.compare);
  return spec?.kind === "choice" ? spec.choices : [];
}

/** scenarioByName: the scenario called name; ConfigError listing the names otherwise. */
export function scenarioByName(name: string): Scenario {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new ConfigError(`unknown scenario "${name}" (known: ${SCENARIOS.map((x) => x.name).join(", ")})`);
  return s;
}

/** How runScenario checks the kernels' invariants. */
export interface CheckOptions {
  /** false leaves out, after the run, the check that free frames hold only zeroes (it reads
   *  every free byte: seconds on machines of hundreds of MiB). */
  scrub?: boolean;
  /** Also check every machine the world holds (the scenario boots its own) after every event
   *  and every kernel entry (World.watch), without the scrub; checks counts the checks made.
   *  The first violation stops the run: InvariantViolation naming the machine and the time. */
  everyEvent?: { checks: number };
}

/**
 * runScenario: run s with settings (already resolved) in world (made with settings' seed, see
 * scenarioWorld); then every machine's invariants must hold (InvariantViolation otherwise).
 */
export async function runScenario(s: Scenario, settings: Settings, world: World, hooks: Hooks = {}, opts: CheckOptions = {}): Promise<ScenarioResult> {
  const every = opts.everyEvent;
  if (every) world.watch(() => checkEveryMachine(world, every));
  try {
    const result = await s.run(world, settings, hooks);
    for (const m of world.machines) m.check({ scrub: opts.scrub });
    return result;
  } finally {
    if (every) world.watch(null);
  }
}

/** checkEveryMachine: check each live machine of world (no scrub); InvariantViolation at the first that fails. */
function checkEveryMachine(world: World, every: { checks: number }): void {
  for (const m of world.machines) {
    if (m.panicked) continue;
    const { violations, report } = m.checkInvariants({ scrub: false });
    every.checks++;
    if (violations) throw new InvariantViolation(violations, `${m.name} at t=${world.now} ns (checked after every event and kernel entry):\n${report}`);
  }
}

/** scenarioWorld: the world a run of settings happens in (its seed, the kernel given). */
export function scenarioWorld(kernel: WebAssembly.Module, settings: Settings): World {
  return new World({ kernel, seed: typeof settings.seed === "number" ? settings.seed : 1 });
}

import { ConfigError, InvariantViolation } from "../host/errors";
export type { Hooks, Scenario, ScenarioResult } from "./scenario";
export { PEER_WORKLOADS, ALL_SCHEMES, PEER_SCHEMES, type PeerWorkload } from "./peers/index";
export { defaults, resolveSettings, SETTING, type SettingSpec, type Settings, type SettingValue } from "./settings";
