// tools/bench/index.ts — `npm run bench`: the benchmark report; `npm run results`: the
// results report alone, into docs/.
//
// The results report (tools/bench/report.ts: the Genie papers' numbers beside ours, on the
// calibrated profiles), the datagram benchmark for every shipped profile x every semantics the
// kernel implements x sizes 4K .. 1M (at each profile's MTU, with its adapter), the file -> network ->
// file benchmark for every shipped profile (tools/bench/filenet.ts, a 64 MiB file), then the
// wall-clock report. Writes
//   var/bench/results.json    the results report's measurements            (deterministic)
//   var/bench/peers.json      Genie beside the systems after it: every workload x scheme x
//                             profile, the datagram size sweep and each scheme's crossover with
//                             copy (tools/bench/peers-report.ts)            (deterministic)
//   var/bench/*.svg           its charts                                   (deterministic)
//   var/bench/datagram.json   {"sizes": [...], "profiles": [{"profile", "mtu", "rows": [...]}],
//                              "notImplemented": [{"semantics", "reason"}]}   (deterministic)
//   var/bench/filenet.json    {"bytes", "memory", "profiles": [{"profile", "mtu", "rows": [...]}]}
//                             (deterministic but for each row's wallMs)
//   var/bench/wallclock.json  the wall-clock report (tools/bench/wallclock.ts; varies by run)
//   var/bench/report.md       all of it, as Markdown
// and a progress line per row on stderr.
//
// Options (on commander, as the genie command: tools/cli/command.ts; --help lists them):
//        --docs          also write docs/results.md and docs/results/*.svg (the committed copy)
//        --results-only  only the results report (deterministic; what `npm run results` runs);
//                        exit status 1 if a claim of tools/bench/published.ts fails
// A mistake on the command line is told in one line with a hint to --help, exit status 2.

import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { getProfile, nicText, PROFILES, profileMtu, profileNic, SEMANTICS } from "../host/index";
import { loadKernel, projectRoot } from "../host/node";
import { NotImplemented, runDatagram, type DatagramRow } from "./datagram";
import { DATAGRAM_HEADERS, datagramCells, fmtBytes, markdownTable, type Row } from "./format";
import { checkClaims, resultsCharts, resultsMarkdown, runResults } from "./report";
import { runWallclock, WALLCLOCK_HEADERS, wallclockCells, type WallclockReport } from "./wallclock";
import { peersCharts, peersMarkdown, runPeers } from "./peers-report";
import { FILENET_HEADERS, FILENET_MEMORY, filenetCells, runFilenet, type FilenetRow } from "./filenet";
import { GenieCommand } from "../cli/command";
import { UsageError } from "../cli/usage";

export const BENCH_SIZES = [4 << 10, 16 << 10, 60 << 10, 64 << 10, 256 << 10, 1 << 20];
/** The file the file -> network -> file benchmark moves. */
export const FILENET_BYTES = 64 << 20;

interface ProfileRows {
  profile: string;
  mtu: number;
  rows: DatagramRow[];
}

const say = (line: string) => process.stderr.write(line + "\n");

/** benchProgram: the command line of `npm run bench` (node build/cli/bench.mjs). */
export function benchProgram(): GenieCommand {
  const program = new GenieCommand("npm run bench")
    .description("the benchmark report: the results report, Genie beside the systems after it, the datagram and file -> network -> file " +
      "benchmarks for every profile, the wall-clock report; into var/bench/")
    .option("--docs", "also write docs/results.md and docs/results/*.svg (the committed copy)")
    .option("--results-only", "only the results report (deterministic; what npm run results runs); exit status 1 if a claim fails")
    .action(async (o: { docs?: boolean; resultsOnly?: boolean }) => run(o.docs ?? false, o.resultsOnly ?? false));
  program.exitOverride();
  return program;
}

async function run(docs: boolean, only: boolean): Promise<void> {
  const kernel = await loadKernel("release");
  const root = projectRoot();
  const dir = join(root, "var", "bench");
  mkdirSync(dir, { recursive: true });
  const wrote: string[] = [];
  const write = (path: string, text: string) => {
    writeFileSync(path, text);
    wrote.push(relative(process.cwd(), path));
  };

  const results = await runResults({ kernel, progress: say });
  const peers = await runPeers({ kernel, progress: say });
  const charts = { ...resultsCharts(results), ...peersCharts(peers) };
  write(join(dir, "peers.json"), JSON.stringify(peers, null, 2) + "\n");
  const resultsDoc = (chartDir: string) => resultsMarkdown(results, chartDir) + "\n" + peersMarkdown(peers, chartDir);
  write(join(dir, "results.json"), JSON.stringify(results, null, 2) + "\n");
  for (const [name, svg] of Object.entries(charts)) write(join(dir, name), svg);
  if (docs) {
    const out = join(root, "docs", "results");
    mkdirSync(out, { recursive: true });
    for (const f of readdirSync(out)) if (f.endsWith(".svg") && !(f in charts)) rmSync(join(out, f));
    for (const [name, svg] of Object.entries(charts)) write(join(out, name), svg);
    write(join(root, "docs", "results.md"), resultsDoc("results"));
  }
  const claims = checkClaims(results);
  for (const c of claims) say(`claim ${c.ok ? "holds" : "FAILS"}: ${c.text}: ${c.detail}`);
  if (only) {
    write(join(dir, "results.md"), resultsDoc(""));
    say(`wrote ${wrote.join(", ")}`);
    // The files are written either way (they show which claim fails); the exit status says so.
    if (claims.some((c) => !c.ok)) process.exitCode = 1;
    return;
  }

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
  const filenet: { profile: string; mtu: number; rows: FilenetRow[] }[] = [];
  for (const profile of names)
    filenet.push({ profile, mtu: profileMtu(getProfile(profile)), rows: await runFilenet({ profile, bytes: FILENET_BYTES, memory: FILENET_MEMORY, kernel, progress: say }) });
  const wall = await runWallclock({ kernel, progress: say });

  const notImplemented = [...refused].map(([semantics, reason]) => ({ semantics, reason }));
  const files = {
    "datagram.json": JSON.stringify({ sizes: BENCH_SIZES, profiles, notImplemented }, null, 2) + "\n",
    "filenet.json": JSON.stringify({ bytes: FILENET_BYTES, memory: FILENET_MEMORY, profiles: filenet }, null, 2) + "\n",
    "wallclock.json": JSON.stringify(wall, null, 2) + "\n",
    "report.md": "# Genie benchmark report\n\n" + resultsDoc("").replace(/^# .*\n/, "## Results: the Genie papers' numbers beside ours\n").replace(/^## (?!Results:)/gm, "### ") +
      "\n" + report(profiles, notImplemented, wall, filenet),
  };
  for (const [name, text] of Object.entries(files)) write(join(dir, name), text);
  say(`wrote ${wrote.join(", ")}`);
}

/** report: the Markdown report. */
function report(profiles: ProfileRows[], notImplemented: { semantics: string; reason: string }[], wall: WallclockReport,
  filenet: { profile: string; mtu: number; rows: FilenetRow[] }[]): string {
  const md: string[] = [];
  md.push("## One datagram, sender to receiver, every profile", "");
  md.push("Simulated time: latency is from the sender's call to the receiver's return (receive posted first);",
    "throughput is the datagram's bits over that latency. Counters are summed over both machines,",
    "for the transfer only. Each profile's machines have its own adapter (the profile's nic section).", "");
  for (const p of profiles) {
    md.push(`### Profile \`${p.profile}\` (MTU ${p.mtu}, adapter: ${nicText(profileNic(getProfile(p.profile)))})`, "");
    const rows: Row[] = p.rows.map(datagramCells);
    for (const n of notImplemented) rows.push({ lead: [n.semantics], note: "not implemented" });
    md.push(markdownTable(DATAGRAM_HEADERS, rows));
  }
  if (notImplemented.length) md.push("Not measured:", "", ...notImplemented.map((n) => `- ${n.reason}`), "");
  md.push("## File to network to file, every profile", "");
  md.push(`A ${fmtBytes(FILENET_BYTES)}-byte file on machine a's disk reaches a file on machine b's disk in 64 KiB datagrams`,
    `(${fmtBytes(FILENET_MEMORY)} of RAM per machine: the file is streamed, never held whole; NICs with header split,`,
    "checksum offload and early demultiplexing; cold page caches). `copy`: read() and sendto / recvfrom and write(),",
    "all with copy semantics. `mmap-emulated-copy`: a sends from its mapped file with emulated copy, b receives with",
    "emulated copy straight into its mapped file. `mmap-pswap`: b receives into an anonymous buffer and pswaps it into",
    "its mapped file. The mixed cases: `mmap-copy` (mapped files, copy in the network) and `rw-emulated-copy` (read() and",
    "write(), emulated copy in the network). Simulated time runs from a's first call to the return of b's fsync; counters are summed over both",
    "machines; disk bytes are both disks' DMA. b's file is verified byte for byte on a fresh machine. Wall ms varies by run.", "");
  for (const p of filenet) {
    md.push(`### Profile \`${p.profile}\` (MTU ${p.mtu})`, "");
    md.push(markdownTable(FILENET_HEADERS, p.rows.map(filenetCells)));
  }
  md.push("## Wall-clock speed of the simulator", "");
  md.push(`${wall.bytes}-byte datagrams, profile \`${wall.profile}\`, MTU ${wall.mtu}, checksum offload ${wall.checksumOffload ? "on" : "off"};`,
    `one pair of machines, ${wall.warmup} warm-up transfers, then ${wall.rounds} rounds of ${wall.iterations} (medians).`,
    "The floor is the host copying each datagram twice (out of the sender's RAM, into the receiver's),",
    "which any simulator of these devices must do. Device is the time the simulated adapters spend on their",
    "own DMA copies and checksums (piece by piece, between scattered frames), timed in rounds of their own;",
    "the rest of the wall time is the kernel and the rest of the simulator. B is the byte work a faithful device must do",
    "for the same transfer with the same frame layout: the frame lists the adapters used for one transfer, replayed",
    "as straight-line gather, one checksum pass and scatter on the same checksum engine (tools/bench/bound.ts).",
    `A 16 MiB machine boots in ${wall.bootMs} ms on a reset kernel instance (${wall.coldBootMs} ms on a new one), the benchmark pair in ${wall.pairBootMs} ms (medians, kernel module compiled).`,
    "B is sampled three times a round, each sample at least 25 ms of replayed transfers; min..max columns span the rounds.",
    "CPU / B: the same rounds as wall / B, in CPU time of the process.",
    "Wall-clock figures vary by run and by machine.", "");
  md.push(markdownTable(WALLCLOCK_HEADERS, wall.rows.map(wallclockCells)));
  return md.join("\n");
}

benchProgram().parseAsync(process.argv.slice(2), { from: "user" }).catch((e) => {
  if (e instanceof UsageError) {
    process.stderr.write(`npm run bench: ${e.message}\nrun 'npm run bench -- --help' for usage\n`);
    process.exit(2);
  }
  if (e?.name === "CommanderError") process.exit(e.exitCode ?? 1); // --help shown
  process.stderr.write(`bench: ${e?.stack ?? e}\n`);
  process.exit(1);
});
