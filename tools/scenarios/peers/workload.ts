// tools/scenarios/peers/workload.ts — a workload of Genie beside the systems after it, as a
// scenario of the registry: its schemes are the choices of its `scheme` setting (the variants
// the tests, the benchmark and the playground's chart run), beside the settings every such
// workload takes (size, cost profile, RAM, the adapters' MTU and features, seed) and its own.

import { getProfile, type Profile, type World } from "../../host/index";
import { SETTING, type SettingSpec, type Settings } from "../settings";
import type { Hooks, Scenario } from "../scenario";
import { makePair, peersMemory, type PairOptions, type PeerPair } from "./pair";

/** What a workload's run is handed. */
export interface PeerRun {
  /** The workload's name. */
  name: string;
  w: World;
  scheme: string;
  /** Payload bytes per message, per file, or the file (the workload says which). */
  bytes: number;
  profile: Profile;
  /** Every setting, the workload's own included (resolved). */
  settings: Settings;
  hooks: Hooks;
  /** pair: the run's two machines, each with the RAM asked for (0: enough to hold `holds`
   *  bytes at once) and the adapters the settings say. */
  pair(holds: number, opts?: Pick<PairOptions, "aDisk" | "bDisk" | "diskBytes" | "aCpus">): Promise<PeerPair>;
}

export interface PeerWorkloadDef {
  name: string;
  title: string;
  description: string;
  /** The schemes it applies to, in report order (the first is the default). */
  schemes: readonly string[];
  /** Default size, and the largest. */
  bytes: number;
  maxBytes?: number;
  /** Its own settings (hot-set size, copies, ...). */
  params?: readonly SettingSpec[];
  /** run: the workload, verified byte for byte (it throws otherwise); Measure.metrics. */
  run(r: PeerRun): Promise<Record<string, number>>;
}

/** A workload of the peers group: a scenario that also says its schemes. */
export interface PeerWorkload extends Scenario {
  schemes: readonly string[];
  /** The benchmark's default size. */
  bytes: number;
}

const MiB = 1 << 20;

/** peerWorkload: the scenario of d. */
export function peerWorkload(d: PeerWorkloadDef): PeerWorkload {
  const scheme: SettingSpec = { key: "scheme", label: "Scheme", kind: "choice", choices: d.schemes, default: d.schemes[0], help: "Genie's semantics or a system after it (docs/peers.md)" };
  const bytes: SettingSpec = { ...SETTING.bytes, max: d.maxBytes ?? MiB, default: d.bytes };
  const profile: SettingSpec = { ...SETTING.profile, default: "server-2025" };
  return {
    name: d.name,
    title: d.title,
    description: d.description,
    schemes: d.schemes,
    bytes: d.bytes,
    settings: [scheme, bytes, ...(d.params ?? []), profile, SETTING.memory, SETTING.mtu, SETTING.headerSplit, SETTING.checksumOffload, SETTING.earlyDemux, SETTING.seed],
    compare: "scheme",
    async run(w, s, hooks) {
      const p = getProfile(s.profile as string);
      const nic = { mtu: s.mtu as number, headerSplit: s.headerSplit as boolean, checksumOffload: s.checksumOffload as boolean, earlyDemux: s.earlyDemux as boolean };
      const run: PeerRun = {
        name: d.name, w, scheme: s.scheme as string, bytes: s.bytes as number, profile: p, settings: s, hooks,
        pair: (holds, opts = {}) =>
          makePair(w, { profile: p, memory: (s.memory as number) * MiB || peersMemory(holds), nic, trace: hooks.trace, pcap: hooks.pcap, ...opts }),
      };
      hooks.log?.(`${d.name} under ${run.scheme}, ${run.bytes} bytes, profile ${p.name}`);
      const metrics = await d.run(run);
      hooks.log?.(`every byte delivered intact: ${metrics.cpuBytesCopied} bytes copied by the CPUs, ${metrics.cpuUs} µs of CPU`);
      return { metrics };
    },
  };
}

/** Genie's eight semantics, as scheme names. */
export { SEMANTICS_NAMES as ALL_GENIE } from "../../host/index";
