// tools/bench/index.ts — `npm run bench`: the benchmark report.
//
// The datagram benchmark for every shipped profile x every semantics the kernel implements x
// sizes 4K .. 1M (at each profile's MTU, plain NIC), then the wall-clock report. Writes
//   var/bench/datagram.json   {"sizes": [...], "profiles": [{"profile", "mtu", "rows": [...]}],
//                              "notImplemented": [{"semantics", "reason"}]}   (deterministic)
//   var/bench/wallclock.json  the wall-clock report (tools/bench/wallclock.ts; varies by run)
//   var/bench/report.md       both, as Markdown tables
// and a progress line per row on stderr.

import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { getProfile, PROFILES, profileMtu, SEMANTICS } from "../host/index";
import { loadKernel, projectRoot } from "../host/node";
import { NotImplemented, runDatagram, type DatagramRow } from "./datagram";
import { DATAGRAM_HEADERS, datagramCells, fmtBytes, markdownTable, type Row } from "./format";
import { runWallclock, type WallclockReport } from "./wallclock";

export const BENCH_SIZES = [4 << 10, 16 << 10, 60 << 10, 64 << 10, 256 << 10, 1 << 20];

interface ProfileRows {
  profile: string;
  mtu: number;
  rows: DatagramRow[];
}

const say = (line: string) => process.stderr.write(line + "\n");

async function main(): Promise<void> {
  const kernel = await loadKernel("release");
  const profiles: ProfileRows[] = [];
  const refused = new Map<string, string>();
  const names = Object.keys(PROFILES);
  const total = names.length * SEMANTICS.length * BENCH_SIZES.length;
  let done = 0;
  for (const profile of names) {
    const mtu = profileMtu(getProfile(profile));
    const out: ProfileRows = { profile, mtu, rows: [] };
    for (const s of SEMANTICS)
      for (const bytes of BENCH_SIZES) {
        const at = `[${++done}/${total}] ${profile} ${s.name} ${fmtBytes(bytes)}`;
        if (refused.has(s.name)) {
          say(`${at}: not implemented`);
          continue;
        }
        try {
          const r = await runDatagram({ profile, semantics: s.name, bytes, kernel });
          out.rows.push(r);
          say(`${at}: ${r.latencyUs} µs, ${r.throughputMbps} Mbit/s, ${r.cpuBytesCopied} bytes copied`);
        } catch (e) {
          if (!(e instanceof NotImplemented)) throw e;
          refused.set(s.name, e.message);
          say(`${at}: ${e.message}`);
        }
      }
    profiles.push(out);
  }
  const wall = await runWallclock({ kernel, progress: say });

  const dir = join(projectRoot(), "var", "bench");
  mkdirSync(dir, { recursive: true });
  const notImplemented = [...refused].map(([semantics, reason]) => ({ semantics, reason }));
  const files = {
    "datagram.json": JSON.stringify({ sizes: BENCH_SIZES, profiles, notImplemented }, null, 2) + "\n",
    "wallclock.json": JSON.stringify(wall, null, 2) + "\n",
    "report.md": report(profiles, notImplemented, wall),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  say(`wrote ${Object.keys(files).map((f) => relative(process.cwd(), join(dir, f))).join(", ")}`);
}

/** report: the Markdown report. */
function report(profiles: ProfileRows[], notImplemented: { semantics: string; reason: string }[], wall: WallclockReport): string {
  const md: string[] = ["# Genie benchmark report", ""];
  md.push("## One datagram, sender to receiver", "");
  md.push("Simulated time: latency is from the sender's call to the receiver's return (receive posted first);",
    "throughput is the datagram's bits over that latency. Counters are summed over both machines,",
    "for the transfer only. The NICs have no header split, checksum offload or early demultiplexing.", "");
  for (const p of profiles) {
    md.push(`### Profile \`${p.profile}\` (MTU ${p.mtu})`, "");
    const rows: Row[] = p.rows.map(datagramCells);
    for (const n of notImplemented) rows.push({ lead: [n.semantics], note: "not implemented" });
    md.push(markdownTable(DATAGRAM_HEADERS, rows));
  }
  if (notImplemented.length) md.push("Not measured:", "", ...notImplemented.map((n) => `- ${n.reason}`), "");
  md.push("## Wall-clock speed of the simulator", "");
  md.push(`${wall.bytes}-byte datagrams, profile \`${wall.profile}\`, MTU ${wall.mtu}, checksum offload ${wall.checksumOffload ? "on" : "off"};`,
    `one pair of machines, ${wall.warmup} warm-up transfers, then ${wall.rounds} rounds of ${wall.iterations} (medians).`,
    "The floor is the host copying each datagram twice (out of the sender's RAM, into the receiver's),",
    "which any simulator of these devices must do. Wall-clock figures vary by run and by machine.", "");
  md.push(markdownTable(["semantics", "wall ns/byte", "floor ns/byte", "ratio", "simulated MB/s", "floor MB/s"],
    wall.rows.map((r) => [r.semantics, r.wallNsPerByte, r.floorNsPerByte, r.ratio, r.wallMBps, r.floorMBps])));
  return md.join("\n");
}

main().catch((e) => {
  process.stderr.write(`bench: ${e?.stack ?? e}\n`);
  process.exit(1);
});
