// tools/scenarios/filenet.ts — a file on a's disk reaches a file on b's disk over the wire
// (the filenet benchmark's transfer, tools/bench/filenet.ts), by copies or through mapped files.

import { filenetTransfer, FILENET_MEMORY, FILENET_SCHEMES, type FilenetScheme } from "../bench/filenet";
import { getProfile } from "../host/index";
import { SETTING, type SettingSpec } from "./settings";
import type { Scenario } from "./index";

const SCHEME: SettingSpec = { key: "scheme", label: "Scheme", kind: "choice", choices: FILENET_SCHEMES, default: "mmap-emulated-copy", help: "copy: read/sendto/recvfrom/write by copy; mmap-*: mapped files sent and received with emulated copy" };
const BYTES: SettingSpec = { ...SETTING.bytes, max: 64 << 20, default: 256 << 10, help: "file size" };

export const fileNetFile: Scenario = {
  name: "file-net-file",
  title: "File → network → file with mapped files",
  description: "Machine a sends its file /src to machine b, which stores it as /dst. With mapped files, a's page-cache frames go to the NIC " +
    "under TCOW and b's received pages are swapped into its page cache: no CPU copy of a full page.",
  settings: [SCHEME, BYTES, SETTING.profile, SETTING.memory, SETTING.seed],
  compare: "scheme",
  async run(world, s, hooks) {
    const scheme = s.scheme as FilenetScheme;
    hooks.log?.(`a sends /src (${s.bytes} bytes) to b's /dst, scheme ${scheme}`);
    const row = await filenetTransfer(world, {
      profile: getProfile(s.profile as string), bytes: s.bytes as number, memory: (s.memory as number) * (1 << 20) || FILENET_MEMORY,
      scheme, trace: hooks.trace, pcap: hooks.pcap,
    });
    hooks.log?.(`b's /dst, read back from its disk, equals a's /src`);
    return { metrics: { simulatedMs: row.simulatedMs, cpuBytesCopied: row.cpuBytesCopied, pageSwaps: row.pageSwaps, diskBytes: row.diskBytes } };
  },
};
