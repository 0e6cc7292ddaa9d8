// tools/cli/bench.ts — `genie bench`: the benchmarks, for people (tables) and course tools (JSON).
//
//   genie bench datagram --profile NAME --semantics LIST --sizes LIST [--mtu N] [--seed N]
//                        [--header-split] [--checksum-offload] [--early-demux] [--pcap FILE] [--json]
//   genie bench wallclock [--iterations N] [--pcap FILE] [--json]
//   genie bench filenet --profile NAME [--size 64M] [--memory 32M] [--seed N] [--pcap FILE] [--json]
//
// datagram --json prints exactly {"profile": NAME, "rows": [ROW, ...]}, rows in the order
// semantics x sizes, each ROW {"semantics", "bytes", "latencyUs", "throughputMbps",
// "cpuBytesCopied", "pteWrites", "tlbShootdowns", "faults"} (tools/bench/datagram.ts). A
// semantics the kernel does not implement gives no rows: the reason goes to stderr (the table
// shows "not implemented" in its rows). Exit status: 0; 2 for a bad command line; 3 when no
// row at all could be produced. Same options and seed: the same numbers, always.
//
// filenet --json prints exactly {"profile": NAME, "rows": [ROW, ...]}, one row per scheme (copy,
// mmap-emulated-copy, mmap-pswap), each ROW {"scheme", "bytes", "simulatedMs", "cpuBytesCopied",
// "pageSwaps", "diskBytes", "wallMs"} (tools/bench/filenet.ts); all but wallMs are the same for
// the same options and seed.
//
// --pcap FILE: the wires' frames, every run one after the other, in one capture; where it went
// goes to stderr (stdout stays the table or the JSON).

import { getProfile, parseMemory, PROFILES, profileMtu, semanticsByName, SEMANTICS_NAMES } from "../host/index";
import { loadKernel } from "../host/node";
import { MAX_BENCH_BYTES, NotImplemented, ROW_KEYS, runDatagram, type DatagramRow } from "../bench/datagram";
import { DATAGRAM_HEADERS, datagramCells, fmtBytes, textTable, type Row } from "../bench/format";
import { runWallclock, WALLCLOCK_HEADERS, wallclockCells } from "../bench/wallclock";
import { FILENET_HEADERS, FILENET_MEMORY, FILENET_ROW_KEYS, filenetCells, MAX_FILENET_BYTES, runFilenet } from "../bench/filenet";
import { Capture, pcapOption } from "./capture";
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

/** benchCommand: `genie bench` and its benchmarks. */
export function benchCommand(io: Out = stdio): GenieCommand {
  const bench = new GenieCommand("bench").description("benchmarks: datagram and filenet (simulated time), wallclock (the simulator's speed)");
  bench.subcommandNoun = "benchmark";

  bench.command("datagram")
    .description(
      "one UDP datagram from one machine to another, per semantics and size: latency, throughput and CPU work " +
        "(bytes copied, PTE writes, TLB shootdowns, faults) in simulated time; the same options and seed give the same numbers",
    )
    .addOption(profileOption().makeOptionMandatory())
    .addOption(valueOption("--semantics <LIST>", `comma-separated: ${SEMANTICS_NAMES.join(", ")}`, list(checked((v) => semanticsByName(v).name, (_, flag, msg) => `${flag}: ${msg}`))).makeOptionMandatory())
    .addOption(valueOption("--sizes <LIST>", "comma-separated datagram sizes, in bytes or with K / M, 1..1M", list(parseSize)).makeOptionMandatory())
    .addOption(valueOption("--mtu <N>", "the adapters' MTU, 68..65535 (default: the profile's)", integer(68, 65535)))
    .addOption(seedOption())
    .option("--header-split", "adapters split headers from data into their own buffers")
    .option("--checksum-offload", "adapters compute and check UDP checksums")
    .option("--early-demux", "adapters steer a socket's packets to its own receive queue")
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
        "against mapped files with emulated copy, and with pswap; simulated time, CPU bytes copied, page swaps, disk bytes, " +
        "wall-clock time; the received file checked byte for byte",
    )
    .addOption(profileOption().makeOptionMandatory())
    .addOption(valueOption("--size <SIZE>", `the file's size, in bytes or with K / M / G, up to ${MAX_FILENET_BYTES >> 20}M (default 64M)`, (v, flag) => fileSize(v, flag)))
    .addOption(valueOption("--memory <SIZE>", `RAM of each machine (default ${FILENET_MEMORY >> 20}M)`, checked(parseMemory, (_, flag, msg) => `${flag} ${msg.replace(/^memory: /, "")}`)))
    .addOption(seedOption())
    .addOption(pcapOption("every scheme's transfer"))
    .option(...jsonOption)
    .action(async (o) => void (process.exitCode = await benchFilenet(o, io)));

  return bench;
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
  const nic = { headerSplit: !!o.headerSplit, checksumOffload: !!o.checksumOffload, earlyDemux: !!o.earlyDemux };
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
    const feats = Object.entries(nic).filter(([, on]) => on).map(([k]) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
    io.out(`datagram benchmark: profile ${o.profile}, MTU ${mtu}, NIC ${feats.length ? feats.join(", ") : "plain"}, seed ${seed}; sizes ${o.sizes.map(fmtBytes).join(", ")}\n`);
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
    io.out("device: the simulated adapters' own DMA copies and checksums, in a separate round\n\n");
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
