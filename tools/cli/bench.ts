// tools/cli/bench.ts — `genie bench`: the benchmarks, for people (tables) and course tools (JSON).
//
//   genie bench datagram --profile NAME --semantics LIST --sizes LIST [--mtu N] [--seed N]
//                        [--[no-]header-split] [--[no-]checksum-offload] [--[no-]early-demux] [--pcap FILE] [--json]
//   genie bench wallclock [--iterations N] [--pcap FILE] [--json]
//   genie bench filenet --profile NAME [--size 64M] [--memory 32M] [--seed N] [--pcap FILE] [--json]
//   genie bench steady --profile NAME --semantics LIST --sizes LIST [--rounds N] [--seed N] [--json]
//   genie bench patching --profile NAME [--mtus LIST] [--sizes LIST] [--seed N] [--json]
//   genie bench ipc --profile NAME --semantics LIST [--size 60K] [--speedups 1,4,16] [--seed N] [--json]
//   genie bench handler --profile NAME [--sizes LIST] [--seed N] [--json]
//   genie bench peers --workload NAME [--schemes LIST] [--profile NAME] [--size S] [--json]
//   genie bench --help               the benchmarks, the schemes and the workloads
//
// datagram --json prints exactly {"profile": NAME, "rows": [ROW, ...]}, rows in the order
// semantics x sizes, each ROW {"semantics", "bytes", "latencyUs", "throughputMbps",
// "cpuBytesCopied", "pteWrites", "tlbShootdowns", "faults"} (tools/bench/datagram.ts). A
// semantics the kernel does not implement gives no rows: the reason goes to stderr (the table
// shows "not implemented" in its rows). Exit status: 0; 2 for a bad command line; 3 when no
// row at all could be produced. Same options and seed: the same numbers, always.
//
// filenet --json prints exactly {"profile": NAME, "rows": [ROW, ...]}, one row per scheme (copy,
// mmap-emulated-copy, mmap-pswap, mmap-copy, rw-emulated-copy), each ROW {"scheme", "bytes",
// "simulatedMs", "cpuBytesCopied", "pageSwaps", "diskBytes", "cpuMs", "wallMs"}
// (tools/bench/filenet.ts); all but wallMs are the same for the same options and seed. steady,
// patching, ipc and handler print {"profile": NAME, "rows": [...]} the same way (their ROW keys:
// tools/bench/steady.ts, patching.ts, ipcserver.ts).
//
// peers --json prints exactly {"profile", "workload", "rows": [ROW, ...]}, each ROW {"workload",
// "scheme", "profile", "bytes", "simulatedUs", "throughputMbps", "cpuUs", "cpuBytesCopied",
// "pteWrites", "tlbShootdowns", "faults"} (tools/bench/peers-report.ts); the workloads are the
// registry's peers group (tools/scenarios/peers/); a scheme that does not apply gives no row,
// its reason on stderr.
//
// --pcap FILE: the wires' frames, every run one after the other, in one capture; where it went
// goes to stderr (stdout stays the table or the JSON).

import { getProfile, NIC_FEATURES, nicText, parseMemory, PROFILES, profileMtu, profileNic, semanticsByName, SEMANTICS_NAMES, type NicFeatures } from "../host/index";
import { loadKernel } from "../host/node";
import { MAX_BENCH_BYTES, NotImplemented, ROW_KEYS, runDatagram, type DatagramRow } from "../bench/datagram";
import { DATAGRAM_HEADERS, datagramCells, fmtBytes, textTable, type Row } from "../bench/format";
import { runWallclock, WALLCLOCK_HEADERS, wallclockCells } from "../bench/wallclock";
import { FILENET_HEADERS, FILENET_MEMORY, FILENET_ROW_KEYS, filenetCells, MAX_FILENET_BYTES, runFilenet } from "../bench/filenet";
import { runSteady, STEADY_HEADERS, STEADY_ROUNDS, STEADY_ROW_KEYS, steadyCells, type SteadyRow } from "../bench/steady";
import { PATCHING_HEADERS, PATCHING_ROW_KEYS, PATCHING_SCHEMES, patchingCells, runPatching, type PatchingRow } from "../bench/patching";
import { HANDLER_SIZES, IPC_BYTES, IPC_SPEEDUPS, PATCHING_MTUS, PATCHING_SIZES } from "../bench/further";
import { HANDLER_HEADERS, HANDLER_ROW_KEYS, handlerCells, IPC_HEADERS, IPC_ROW_KEYS, ipcCells, runHandler, runIpc, type HandlerRow, type IpcRow } from "../bench/ipcserver";
import { ALL_SCHEMES, PEER_WORKLOADS } from "../scenarios/index";
import { PEERS_HEADERS, peersCells, RESULT_KEYS, runWorkload, type WorkloadResult } from "../bench/peers-report";
import { Capture, pcapOption } from "./capture";
import { UsageError } from "./usage";
import { checked, GenieCommand, integer, InvalidArgumentError, list, valueOption } from "./command";

type Out = { out: (s: string) => void; err: (s: string) => void };
const stdio: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1 << 20, G: 1 << 30 };

/** byteSize: "4096", "4K", "60K", "1M" (units up to `units`) -> bytes in 1..max; the reason otherwise. */
export function byteSize(v: string, max: number, units = "KM"): number | string {
  const m = new RegExp(`^(\\d+)([${units}${units.toLowerCase()}])?$`).exec(v.trim());
  if (!m) return "not a number of bytes";
  const n = Number(m[1]) * UNITS[(m[2] ?? "").toUpperCase()];
  return n >= 1 && n <= max ? n : `outside 1..${fmtBytes(max)}`;
}

/** parseSize: a datagram size of --sizes (1 .. 1 MiB). */
function parseSize(v: string): number {
  const n = byteSize(v, MAX_BENCH_BYTES);
  if (typeof n === "string") throw new InvalidArgumentError(`size "${v}" is ${n === "not a number of bytes" ? `${n} (like 4096, 4K, 60K, 1M)` : `${n} (1..${MAX_BENCH_BYTES} bytes)`}`);
  return n;
}

/** fileSize: a file size of --size (1 .. MAX_FILENET_BYTES, K / M / G). */
function fileSize(v: string, flag = "--size"): number {
  const n = byteSize(v, MAX_FILENET_BYTES, "KMG");
  if (typeof n === "string") throw new InvalidArgumentError(`${flag} "${v}" is ${n === "not a number of bytes" ? `${n} (like 1048576, 64K, 64M)` : n}`);
  return n;
}

const profileOption = () =>
  valueOption("--profile <NAME>", `cost profile: ${Object.keys(PROFILES).join(", ")} (tools/host/profiles/)`, checked((v) => (getProfile(v), v)));
const seedOption = () => valueOption("--seed <N>", "the worlds' seed (default 1)", integer(0, 0xffffffff));
const jsonOption = ["--json", "print the rows as JSON (for course tools)"] as const;
const semanticsOption = () =>
  valueOption("--semantics <LIST>", `comma-separated: ${SEMANTICS_NAMES.join(", ")}`, list(checked((v) => semanticsByName(v).name, (_, flag, msg) => `${flag}: ${msg}`)));
const sizesOption = (dflt = "") => valueOption("--sizes <LIST>", `comma-separated datagram sizes, in bytes or with K / M, 1..1M${dflt}`, list(parseSize));

/** The adapter's features as flags: --FEATURE on, --no-FEATURE off; the profile's otherwise. */
const flagName = (f: string) => f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const NIC_HELP: Record<string, string> = {
  headerSplit: "adapters split headers from data into their own buffers",
  checksumOffload: "adapters compute and check UDP checksums",
  earlyDemux: "adapters steer a socket's packets to its own receive queue",
};

/** benchCommand: `genie bench` and its benchmarks. */
export function benchCommand(io: Out = stdio): GenieCommand {
  const bench = new GenieCommand("bench").description(
    "benchmarks: datagram, filenet, steady, patching, ipc, handler, peers (simulated time), wallclock (the simulator's speed)",
  );
  bench.subcommandNoun = "benchmark";
  bench.addHelpText("after", () =>
    `\nschemes (Genie's semantics and the systems after it, docs/peers.md):\n  ${ALL_SCHEMES.join(", ")}\n` +
    `workloads (genie bench peers --workload NAME; genie run NAME --scheme S runs one):\n${PEER_WORKLOADS.map((w) => `  ${w.name}: ${w.title} (${w.schemes.join(", ")})`).join("\n")}\n`);

  const datagram = bench.command("datagram")
    .description(
      "one UDP datagram from one machine to another, per semantics and size: latency, throughput and CPU work " +
        "(bytes copied, PTE writes, TLB shootdowns, faults) in simulated time; the adapter is the profile's (its nic section), " +
        "each feature turned on or off by flag; the same options and seed give the same numbers",
    )
    .addOption(profileOption().makeOptionMandatory())
    .addOption(semanticsOption().makeOptionMandatory())
    .addOption(sizesOption().makeOptionMandatory())
    .addOption(valueOption("--mtu <N>", "the adapters' MTU, 68..65535 (default: the profile's)", integer(68, 65535)))
    .addOption(seedOption());
  for (const f of NIC_FEATURES) {
    datagram.option(`--${flagName(f)}`, `${NIC_HELP[f]} (default: the profile's adapter)`).option(`--no-${flagName(f)}`, `the adapters do not: ${NIC_HELP[f]}`);
    // Both spellings set one value (the last wins in commander): saying both is a mistake.
    let seen = "";
    for (const flag of [flagName(f), `no-${flagName(f)}`])
      datagram.on(`option:${flag}`, () => {
        if (seen && seen !== flag) throw new UsageError(`bench datagram: --${flagName(f)} and --no-${flagName(f)} contradict each other`, "bench datagram");
        seen = flag;
      });
  }
  datagram
    .addOption(pcapOption("every transfer"))
    .option(...jsonOption)
    .action(async (o) => void (process.exitCode = await benchDatagram(o, io)));

  bench.command("wallclock")
    .description(
      "wall-clock speed of the simulator on 64 KiB datagrams (server-2025, MTU 9000, checksum offload, header split, early demux) " +
        "against the host's raw copy of the bytes, and the simulated adapters' own share; medians of rounds; numbers vary from run to run",
    )
    .addOption(valueOption("--iterations <N>", "transfers per timed round (default 1000)", integer(1, 1_000_000)))
    .addOption(pcapOption("the first (checked) transfer of each semantics; timed transfers are not captured"))
    .option(...jsonOption)
    .action(async (o) => void (process.exitCode = await benchWallclock(o, io)));

  bench.command("filenet")
    .description(
      "a file from one machine's disk to another's over the network, in 64 KiB datagrams: copy (read/sendto, recvfrom/write) " +
        "against mapped files with emulated copy, and with pswap, and the mixed cases (mapped files with copy in the network, " +
        "read/write files with emulated copy in the network); simulated time, CPU bytes copied, page swaps, disk bytes, " +
        "CPU and wall-clock time; the received file checked byte for byte",
    )
    .addOption(profileOption().makeOptionMandatory())
    .addOption(valueOption("--size <SIZE>", `the file's size, in bytes or with K / M / G, up to ${MAX_FILENET_BYTES >> 20}M (default 64M)`, (v, flag) => fileSize(v, flag)))
    .addOption(valueOption("--memory <SIZE>", `RAM of each machine (default ${FILENET_MEMORY >> 20}M)`, checked(parseMemory, (_, flag, msg) => `${flag} ${msg.replace(/^memory: /, "")}`)))
    .addOption(seedOption())
    .addOption(pcapOption("every scheme's transfer"))
    .option(...jsonOption)
    .action(async (o) => void (process.exitCode = await benchFilenet(o, io)));

  bench.command("steady")
    .description(
      "steady state: one datagram bounced between two machines on the same buffers and sockets (ROUNDS round trips): " +
        "single shot against steady-state latency, counters per transfer",
    )
    .addOption(profileOption().makeOptionMandatory())
    .addOption(semanticsOption().makeOptionMandatory())
    .addOption(sizesOption().makeOptionMandatory())
    .addOption(valueOption("--rounds <N>", `round trips per row, 2..1000 (default ${STEADY_ROUNDS})`, integer(2, 1000)))
    .addOption(seedOption())
    .option(...jsonOption)
    .action(async (o) => void (process.exitCode = await benchSteady(o, io)));

  bench.command("patching")
    .description("header patching on a NIC without header split, against the same NIC copying and a NIC with header split: latency, receiver CPU, bytes copied per packet")
    .addOption(profileOption().makeOptionMandatory())
    .addOption(valueOption("--mtus <LIST>", `comma-separated MTUs, 576..65535 (default ${PATCHING_MTUS.join(",")})`, list(integer(576, 65535))))
    .addOption(sizesOption(` (default ${PATCHING_SIZES.map(fmtBytes).join(",")})`))
    .addOption(seedOption())
    .option(...jsonOption)
    .action(async (o) => void (process.exitCode = await benchPatching(o, io)));

  bench.command("ipc")
    .description("the protocol server in a process (I/O-oriented IPC over channels) against the kernel's, per semantics, with every CPU cost divided by each speed-up")
    .addOption(profileOption().makeOptionMandatory())
    .addOption(semanticsOption().makeOptionMandatory())
    .addOption(valueOption("--size <SIZE>", `the datagram size, in bytes or with K / M (default ${fmtBytes(IPC_BYTES)})`, parseSize))
    .addOption(valueOption("--speedups <LIST>", `comma-separated CPU speed-ups, 1..1000 (default ${IPC_SPEEDUPS.join(",")})`, list(integer(1, 1000))))
    .addOption(seedOption())
    .option(...jsonOption)
    .action(async (o) => void (process.exitCode = await benchIpc(o, io)));

  bench.command("handler")
    .description("an application handler in the kernel (no domain crossing) against emulated copy to the application")
    .addOption(profileOption().makeOptionMandatory())
    .addOption(sizesOption(` (default ${HANDLER_SIZES.map(fmtBytes).join(",")})`))
    .addOption(seedOption())
    .option(...jsonOption)
    .action(async (o) => void (process.exitCode = await benchHandler(o, io)));

  bench.command("peers")
    .description(
      "a workload under Genie's semantics and the systems after it (docs/peers.md): simulated time, throughput, CPU time, " +
        "bytes copied, PTE writes, TLB shootdowns, faults; every result verified byte for byte",
    )
    .addOption(valueOption("--workload <NAME>", `the workload: ${PEER_WORKLOADS.map((w) => w.name).join(", ")}`,
      checked((v) => { if (!PEER_WORKLOADS.some((w) => w.name === v)) throw new Error(`unknown workload "${v}" (known: ${PEER_WORKLOADS.map((w) => w.name).join(", ")})`); return v; })).makeOptionMandatory())
    .addOption(valueOption("--schemes <LIST>", `comma-separated (default: every scheme the workload applies to): ${ALL_SCHEMES.join(", ")}`,
      list(checked((v) => { if (!ALL_SCHEMES.includes(v)) throw new Error(`unknown scheme "${v}" (known: ${ALL_SCHEMES.join(", ")})`); return v; }))))
    .addOption(profileOption().default("server-2025"))
    .addOption(valueOption("--size <SIZE>", "the workload's size, in bytes or with K / M / G (default: the workload's)", (v, flag) => fileSize(v, flag)))
    .option(...jsonOption)
    .action(async (o) => void (process.exitCode = await benchPeers(o, io)));

  return bench;
}

async function benchPeers(o: { workload: string; schemes?: string[]; profile: string; size?: number; json?: boolean }, io: Out): Promise<number> {
  const wl = PEER_WORKLOADS.find((w) => w.name === o.workload)!;
  const schemes = o.schemes ?? [...wl.schemes];
  const bytes = o.size ?? wl.bytes;
  const kernel = await loadKernel("release");
  const rows: WorkloadResult[] = [];
  const table: Row[] = [];
  const refused: string[] = [];
  for (const scheme of schemes) {
    if (!wl.schemes.includes(scheme)) {
      refused.push(`${scheme}: does not apply to ${wl.name} (it applies to ${wl.schemes.join(", ")})`);
      table.push({ lead: [wl.name, scheme], note: "does not apply" });
      continue;
    }
    const r = await runWorkload(kernel, wl, scheme, o.profile, bytes);
    rows.push(r);
    table.push(peersCells(r));
  }
  if (o.json) {
    for (const why of refused) io.err(`genie: ${why}\n`);
    io.out(JSON.stringify({ profile: o.profile, workload: wl.name, rows: rows.map((r) => Object.fromEntries(RESULT_KEYS.map((k) => [k, r[k]]))) }, null, 2) + "\n");
  } else {
    io.out(`${wl.name}: ${wl.description}; profile ${o.profile}, ${fmtBytes(bytes)}\n`);
    io.out("simulated time; CPU time and counters summed over both machines; every result verified byte for byte\n\n");
    io.out(textTable(PEERS_HEADERS, table));
    if (refused.length) io.out("\n" + refused.join("\n") + "\n");
  }
  return rows.length === 0 ? 3 : 0;
}

interface DatagramArgs {
  profile: string;
  semantics: string[];
  sizes: number[];
  mtu?: number;
  seed?: number;
  headerSplit?: boolean;
  checksumOffload?: boolean;
  earlyDemux?: boolean;
  pcap?: string;
  json?: boolean;
}

/** benchDatagram: the rows of every semantics x size; the exit status. */
async function benchDatagram(o: DatagramArgs, io: Out): Promise<number> {
  const mtu = o.mtu ?? profileMtu(getProfile(o.profile));
  const seed = o.seed ?? 1;
  const over: Partial<NicFeatures> = {};
  for (const f of NIC_FEATURES) if (o[f] !== undefined) over[f] = o[f];
  const nic = profileNic(getProfile(o.profile), over);
  const capture = o.pcap === undefined ? null : new Capture(o.pcap);
  const kernel = await loadKernel("release");
  const rows: DatagramRow[] = [];
  const table: Row[] = [];
  const refused = new Map<string, string>();
  for (const s of o.semantics)
    for (const bytes of o.sizes) {
      try {
        const r = await runDatagram({ profile: o.profile, semantics: s, bytes, mtu, seed, kernel, pcap: capture?.wire(), ...nic });
        rows.push(r);
        table.push(datagramCells(r));
      } catch (e) {
        if (!(e instanceof NotImplemented)) throw e;
        refused.set(s, e.message);
        table.push({ lead: [s, bytes], note: "not implemented" });
      }
    }

  if (o.json) {
    for (const reason of refused.values()) io.err(`genie: ${reason}\n`);
    const doc = { profile: o.profile, rows: rows.map((r) => Object.fromEntries(ROW_KEYS.map((k) => [k, r[k]]))) };
    io.out(JSON.stringify(doc, null, 2) + "\n");
  } else {
    const byFlag = NIC_FEATURES.filter((k) => k in over).map((k) => (over[k] ? "" : "no-") + flagName(k));
    io.out(`datagram benchmark: profile ${o.profile}, MTU ${mtu}, seed ${seed}; sizes ${o.sizes.map(fmtBytes).join(", ")}\n`);
    io.out(`adapter: ${nicText(nic)} (${o.profile}'s adapter${byFlag.length ? `; by flag: ${byFlag.join(", ")}` : ""})\n`);
    io.out("latency and throughput in simulated time; counters summed over sender and receiver\n\n");
    io.out(textTable(DATAGRAM_HEADERS, table));
    if (refused.size) io.out("\n" + [...refused.values()].join("\n") + "\n");
  }
  if (capture) io.err(capture.save().join("\n") + "\n");
  return rows.length === 0 ? 3 : 0;
}

async function benchWallclock(o: { iterations?: number; pcap?: string; json?: boolean }, io: Out): Promise<number> {
  const capture = o.pcap === undefined ? null : new Capture(o.pcap);
  const r = await runWallclock({ iterations: o.iterations, kernel: await loadKernel("release"), pcap: capture?.pcap, progress: o.json ? undefined : (l) => io.err(l + "\n") });
  if (o.json) {
    for (const n of r.notImplemented) io.err(`genie: ${n.reason}\n`);
    io.out(JSON.stringify(r, null, 2) + "\n");
  } else {
    io.out(`wall-clock speed: ${r.bytes}-byte datagrams, profile ${r.profile}, MTU ${r.mtu}, checksum offload ${r.checksumOffload ? "on" : "off"}, ` +
      `header split ${r.headerSplit ? "on" : "off"}, early demux ${r.earlyDemux ? "on" : "off"}; ` +
      `${r.rounds} rounds of ${r.iterations} after ${r.warmup} warm-up (medians)\n`);
    io.out("floor: the host copying each datagram twice (out of the sender's RAM, into the receiver's)\n");
    io.out("device: the simulated adapters' own DMA copies and checksums, in a separate round\n");
    io.out("B: the byte work a faithful device must do, sampled three times a round for at least 25 ms each; min..max: over the rounds\n\n");
    io.out(textTable(WALLCLOCK_HEADERS, r.rows.map(wallclockCells)));
    if (r.notImplemented.length) io.out("\n" + r.notImplemented.map((n) => n.reason).join("\n") + "\n");
  }
  if (capture) io.err(capture.save().join("\n") + "\n");
  return r.rows.length === 0 ? 3 : 0;
}

async function benchFilenet(o: { profile: string; size?: number; memory?: number; seed?: number; pcap?: string; json?: boolean }, io: Out): Promise<number> {
  const mtu = profileMtu(getProfile(o.profile));
  const bytes = o.size ?? 64 << 20;
  const memory = o.memory ?? FILENET_MEMORY;
  const seed = o.seed ?? 1;
  const capture = o.pcap === undefined ? null : new Capture(o.pcap);
  const rows = await runFilenet({
    profile: o.profile, bytes, memory, seed, kernel: await loadKernel("release"), pcap: capture?.pcap,
    progress: o.json ? undefined : (l) => io.err(l + "\n"),
  });
  if (o.json) {
    const doc = { profile: o.profile, rows: rows.map((r) => Object.fromEntries(FILENET_ROW_KEYS.map((k) => [k, r[k]]))) };
    io.out(JSON.stringify(doc, null, 2) + "\n");
  } else {
    io.out(`file -> network -> file: a ${fmtBytes(bytes)}-byte file, profile ${o.profile}, MTU ${mtu}, 64 KiB datagrams, ` +
      `NIC header split, checksum offload, early demux; ${fmtBytes(memory)} of RAM per machine; seed ${seed}\n`);
    io.out("simulated time from a's first call to b's fsync; counters summed over both machines; b's file verified byte for byte\n\n");
    io.out(textTable(FILENET_HEADERS, rows.map(filenetCells)));
  }
  if (capture) io.err(capture.save().join("\n") + "\n");
  return rows.length === 0 ? 3 : 0;
}

/** rowsOut: {profile, rows} as JSON (keys in order), or a table with a heading; the exit status. */
function rowsOut<T>(io: Out, json: boolean | undefined, profile: string, rows: T[], keys: readonly (keyof T)[], headers: string[], cells: (r: T) => (string | number)[], heading: string): number {
  if (json) io.out(JSON.stringify({ profile, rows: rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]]))) }, null, 2) + "\n");
  else io.out(heading + "\n\n" + textTable(headers, rows.map(cells)));
  return rows.length === 0 ? 3 : 0;
}

async function benchSteady(o: { profile: string; semantics: string[]; sizes: number[]; rounds?: number; seed?: number; json?: boolean }, io: Out): Promise<number> {
  const { profile } = o;
  const rounds = o.rounds ?? STEADY_ROUNDS, seed = o.seed ?? 1;
  const kernel = await loadKernel("release");
  const rows: SteadyRow[] = [];
  for (const s of o.semantics) for (const bytes of o.sizes) rows.push(await runSteady({ profile, semantics: s, bytes, rounds, seed, kernel }));
  return rowsOut(io, o.json, profile, rows, STEADY_ROW_KEYS, STEADY_HEADERS, steadyCells,
    `steady state: profile ${profile}, adapter ${nicText(profileNic(getProfile(profile)))}, ${rounds} round trips per row, seed ${seed}\n` +
    "single shot: the first transfer on fresh machines; steady: the mean after the first round trip; counters per steady transfer");
}

async function benchPatching(o: { profile: string; mtus?: number[]; sizes?: number[]; seed?: number; json?: boolean }, io: Out): Promise<number> {
  const { profile } = o;
  const mtus = o.mtus ?? PATCHING_MTUS, sizes = o.sizes ?? PATCHING_SIZES, seed = o.seed ?? 1;
  const kernel = await loadKernel("release");
  const rows: PatchingRow[] = [];
  for (const mtu of mtus) for (const bytes of sizes) for (const scheme of PATCHING_SCHEMES) rows.push(await runPatching({ profile, scheme, bytes, mtu, seed, kernel }));
  return rowsOut(io, o.json, profile, rows, PATCHING_ROW_KEYS, PATCHING_HEADERS, patchingCells,
    `header patching: profile ${profile}, early demux and checksum offload on; patching and copy: no header split; split: header split; seed ${seed}\n` +
    "the sender uses emulated copy; receiver's CPU time and bytes copied");
}

async function benchIpc(o: { profile: string; semantics: string[]; size?: number; speedups?: number[]; seed?: number; json?: boolean }, io: Out): Promise<number> {
  const { profile } = o;
  const bytes = o.size ?? IPC_BYTES, speedups = o.speedups ?? IPC_SPEEDUPS, seed = o.seed ?? 1;
  const kernel = await loadKernel("release");
  const rows: IpcRow[] = [];
  for (const cpuSpeedup of speedups) for (const s of o.semantics) rows.push(await runIpc({ profile, semantics: s, bytes, cpuSpeedup, seed, kernel }));
  return rowsOut(io, o.json, profile, rows, IPC_ROW_KEYS, IPC_HEADERS, ipcCells,
    `protocol server placement: profile ${profile}, ${fmtBytes(bytes)} datagrams, seed ${seed}\n` +
    "kernel: the client calls the kernel's UDP/IP directly; process: a server process between the client and the socket, over channels");
}

async function benchHandler(o: { profile: string; sizes?: number[]; seed?: number; json?: boolean }, io: Out): Promise<number> {
  const { profile } = o;
  const sizes = o.sizes ?? HANDLER_SIZES, seed = o.seed ?? 1;
  const kernel = await loadKernel("release");
  const rows: HandlerRow[] = [];
  for (const bytes of sizes) rows.push(await runHandler({ profile, bytes, seed, kernel }));
  return rowsOut(io, o.json, profile, rows, HANDLER_ROW_KEYS, HANDLER_HEADERS, handlerCells,
    `extensible kernel: profile ${profile}, seed ${seed}\nhandler: the datagram handed over by UDP input in the kernel; application: emulated copy to a process`);
}
