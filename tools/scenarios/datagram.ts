// tools/scenarios/datagram.ts — one UDP datagram from machine a to machine b (the datagram
// benchmark's transfer, tools/bench/datagram.ts): the receive is posted first, then a sends.

import { DatagramPair, ROW_KEYS } from "../bench/datagram";
import { semanticsByName } from "../host/index";
import { SETTING } from "./settings";
import type { Scenario } from "./index";

export const datagram: Scenario = {
  name: "datagram",
  title: "One datagram between two machines",
  description: "Machine a sends one UDP datagram to machine b over a wire; b has posted its receive first. " +
    "Watch how the bytes leave a's buffer (copied, or protected copy-on-write while the NIC reads them) and how they land in b's.",
  settings: [SETTING.semantics, SETTING.bytes, SETTING.mtu, SETTING.headerSplit, SETTING.checksumOffload, SETTING.earlyDemux, SETTING.profile, SETTING.memory, SETTING.seed],
  compare: "semantics",
  async run(world, s, hooks) {
    const pair = await DatagramPair.create({
      world, profile: s.profile as string, bytes: s.bytes as number, mtu: (s.mtu as number) || undefined,
      headerSplit: s.headerSplit as boolean, checksumOffload: s.checksumOffload as boolean, earlyDemux: s.earlyDemux as boolean,
      memory: (s.memory as number) * (1 << 20) || undefined, pcap: hooks.pcap, trace: hooks.trace,
    });
    hooks.log?.(`a sends ${s.bytes} bytes to b under ${s.semantics}`);
    const row = pair.transfer(semanticsByName(s.semantics as string));
    hooks.log?.(`b received them intact after ${row.latencyUs} µs (simulated)`);
    const metrics: Record<string, number> = {};
    for (const k of ROW_KEYS) if (typeof row[k] === "number") metrics[k] = row[k] as number;
    return { metrics };
  },
};
