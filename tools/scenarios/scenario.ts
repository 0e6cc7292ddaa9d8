// tools/scenarios/scenario.ts — what a scenario of the registry is (tools/scenarios/index.ts
// lists them): its settings, how it runs in a world its caller made, what it reports.

import type { PcapWriter, World } from "../host/index";
import type { SettingSpec, Settings } from "./settings";

/** What the caller lends a scenario to watch it. */
export interface Hooks {
  /** Record the kernels' trace events (Machine.traceLog). */
  trace?: boolean;
  /** Capture every wire's frames here. */
  pcap?: PcapWriter;
  /** A line of narration. */
  log?: (line: string) => void;
}

/** What a scenario reports: numbers worth comparing across semantics (simulated, deterministic). */
export interface ScenarioResult {
  metrics: Record<string, number>;
}

export interface Scenario {
  name: string;
  title: string;
  description: string;
  /** The knobs it takes, with their defaults. */
  settings: readonly SettingSpec[];
  /** The choice setting that tells its variants apart (semantics, scheme, placement), if any:
   *  the tests run every one of its choices, the playground charts them side by side. */
  compare?: string;
  run(world: World, settings: Settings, hooks: Hooks): Promise<ScenarioResult>;
}
