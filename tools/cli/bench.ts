// tools/cli/bench.ts — `genie bench`: the benchmarks, for people (tables) and course tools (JSON).
//
//   genie bench datagram --profile NAME --semantics LIST --sizes LIST [--mtu N] [--seed N]
//                        [--header-split] [--checksum-offload] [--early-demux] [--json]
//   genie bench wallclock [--iterations N] [--json]
//   genie bench filenet --profile NAME [--size 64M] [--memory 32M] [--seed N] [--json]
//   genie bench peers --workload NAME [--schemes LIST] [--profile NAME] [--size S] [--json]
//   genie bench help                 the benchmarks, the schemes and the workloads
//
// datagram --json prints exactly {"profile": NAME, "rows": [ROW, ...]}, rows in the order
// semantics x sizes, each ROW {"semantics", "bytes", "latencyUs", "throughputMbps",
// "cpuBytesCopied", "pteWrites", "tlbShootdowns", "faults"} (tools/bench/datagram.ts). A
// semantics the kernel does not implement gives no rows: the reason goes to stderr (the table
// shows "not implemented" in its rows). Exit status: 0; 2 for a bad command line; 3 when no
// row at all could be produced. Same options and seed: the same numbers, always.
//
// peers --json prints exactly {"profile", "workload", "rows": [ROW, ...]}, each ROW {"workload",
// "scheme", "profile", "bytes", "simulatedUs", "throughputMbps", "cpuUs", "cpuBytesCopied",
// "pteWrites", "tlbShootdowns", "faults"} (tools/bench/peers.ts); a scheme that does not apply or
// is not implemented gives no row, its reason on stderr.
//
// filenet --json prints exactly {"profile": NAME, "rows": [ROW, ...]}, one row per scheme (copy,
// mmap-emulated-copy, mmap-pswap), each ROW {"scheme", "bytes", "simulatedMs", "cpuBytesCopied",
// "pageSwaps", "diskBytes", "wallMs"} (tools/bench/filenet.ts); all but wallMs are the same for
// the same options and seed.

import { ConfigError, getProfile, parseMemory, PROFILES, profileMtu, semanticsByName, SEMANTICS_NAMES, World } from "../host/index";
import { loadKernel } from "../host/node";
import { MAX_BENCH_BYTES, NotImplemented, ROW_KEYS, runDatagram, type DatagramRow } from "../bench/datagram";
import { DATAGRAM_HEADERS, datagramCells, fmtBytes, textTable, type Row } from "../bench/format";
import { runWallclock, WALLCLOCK_HEADERS, wallclockCells } from "../bench/wallclock";
import { FILENET_HEADERS, FILENET_MEMORY, FILENET_ROW_KEYS, filenetCells, MAX_FILENET_BYTES, runFilenet } from "../bench/filenet";
import { UsageError } from "./usage";
import { ALL_SCHEMES, NOT_IMPLEMENTED, RESULT_KEYS, WORKLOADS, type WorkloadResult } from "../bench/peers";
import { PEERS_HEADERS, peersCells } from "../bench/peers-report";

export const BENCH_USAGE = `  bench datagram --profile NAME --semantics LIST --sizes LIST [--mtu N] [--seed N]
                 [--header-split] [--checksum-offload] [--early-demux] [--json]
                            one UDP datagram from one machine to another, per semantics and
                            size (LIST: comma-separated; sizes in bytes or with K / M, 1..1M);
                            latency, throughput and CPU work in simulated time
                            profiles: ${Object.keys(PROFILES).join(", ")}
                            semantics: ${SEMANTICS_NAMES.slice(0, 4).join(", ")},
                              ${SEMANTICS_NAMES.slice(4).join(", ")}
  bench wallclock [--iterations N] [--json]
                            wall-clock speed of the simulator on 64 KiB datagrams (server-2025,
                            MTU 9000, checksum offload, header split, early demux) against the
                            host's raw copy of the bytes, and the simulated adapters' own share
  bench peers --workload NAME [--schemes LIST] [--profile NAME] [--size S] [--json]
                            a workload under Genie's semantics and the systems after it
                            (docs/peers.md): simulated time, throughput, CPU time, bytes copied,
                            PTE writes, TLB shootdowns, faults; every result verified byte for byte
                            workloads: ${WORKLOADS.map((w) => w.name).join(", ")}
                            schemes: ${ALL_SCHEMES.slice(0, 4).join(", ")},
                              ${ALL_SCHEMES.slice(4, 8).join(", ")},
                              ${ALL_SCHEMES.slice(8).join(", ")}
                            (default: every scheme the workload applies to)
  bench filenet --profile NAME [--size 64M] [--memory 32M] [--seed N] [--json]
                            a file of SIZE bytes (K / M / G, up to 512M) from one machine's disk
                            to another's over the network: copy (read/sendto, recvfrom/write)
                            against mapped files with emulated copy, and with pswap; simulated
                            time, CPU bytes copied, page swaps, disk bytes, wall-clock time
`;

type Out = { out: (s: string) => void; err: (s: string) => void };
const stdio: Out = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Options of a subcommand: name -> takes a value? */
type Spec = Record<string, boolean>;

/** parseFlags: --name VALUE / --name=VALUE / --flag; UsageError naming a bad or missing one. */
export function parseFlags(cmd: string, args: string[], spec: Spec): Map<string, string | true> {
  const got = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(a);
    if (!m) throw new UsageError(`${cmd}: unexpected argument "${a}"`);
    const [, name, inline] = m;
    if (!(name in spec)) throw new UsageError(`${cmd}: unknown option --${name}`);
    if (got.has(name)) throw new UsageError(`${cmd}: --${name} given twice`);
    if (!spec[name]) {
      if (inline !== undefined) throw new UsageError(`${cmd}: --${name} takes no value (got "${inline}")`);
      got.set(name, true);
      continue;
    }
    const v = inline ?? args[++i];
    if (v === undefined || v === "" || (inline === undefined && v.startsWith("--"))) throw new UsageError(`${cmd}: --${name} needs a value`);
    got.set(name, v);
  }
  return got;
}

/** parseSize: "4096", "4K", "60K", "1M" -> bytes; UsageError unless 1 <= size <= 1 MiB. */
export function parseSize(s: string): number {
  const m = /^(\d+)([KkMm])?$/.exec(s.trim());
  if (!m) throw new UsageError(`bench datagram: size "${s}" is not a number of bytes (like 4096, 4K, 60K, 1M)`);
  const n = Number(m[1]) * (m[2] === undefined ? 1 : /k/i.test(m[2]) ? 1024 : 1 << 20);
  if (!(n >= 1 && n <= MAX_BENCH_BYTES)) throw new UsageError(`bench datagram: size "${s}" is outside 1..1M (1..${MAX_BENCH_BYTES} bytes)`);
  return n;
}

/** parseInt: a decimal integer in [min, max], or UsageError naming the option. */
function intOption(cmd: string, name: string, v: string, min: number, max: number): number {
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`${cmd}: --${name} "${v}" is not an integer in ${min}..${max}`);
  return Number(v);
}

/** list: the items of a comma-separated list (none empty). */
function list(cmd: string, name: string, v: string): string[] {
  const items = v.split(",").map((x) => x.trim());
  if (items.some((x) => x === "")) throw new UsageError(`${cmd}: --${name} "${v}" has an empty item`);
  return items;
}

/** runBench: `genie bench ...`; the exit status. */
export async function runBench(args: string[], io: Out = stdio): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "datagram": return benchDatagram(rest, io);
    case "wallclock": return benchWallclock(rest, io);
    case "filenet": return benchFilenet(rest, io);
    case "peers": return benchPeers(rest, io);
    case "help": case "--help": case "-h":
      io.out(`usage: genie bench <benchmark> [options]\n\n${BENCH_USAGE}`);
      return 0;
    case undefined: throw new UsageError("bench: which benchmark? (datagram, wallclock, filenet or peers)");
    default: throw new UsageError(`bench: unknown benchmark "${sub}" (known: datagram, wallclock, filenet, peers)`);
  }
}

async function benchDatagram(args: string[], io: Out): Promise<number> {
  const cmd = "bench datagram";
  const f = parseFlags(cmd, args, {
    profile: true, semantics: true, sizes: true, mtu: true, seed: true,
    json: false, "header-split": false, "checksum-offload": false, "early-demux": false,
  });
  for (const need of ["profile", "semantics", "sizes"]) if (!f.has(need)) throw new UsageError(`${cmd}: --${need} is required`);
  const profileName = f.get("profile") as string;
  let mtu = profileMtuArg(cmd, profileName);
  const semantics = list(cmd, "semantics", f.get("semantics") as string);
  for (const s of semantics) {
    try {
      semanticsByName(s);
    } catch (e) {
      throw new UsageError(`${cmd}: --semantics: ${(e as Error).message}`);
    }
  }
  const sizes = list(cmd, "sizes", f.get("sizes") as string).map(parseSize);
  if (f.has("mtu")) mtu = intOption(cmd, "mtu", f.get("mtu") as string, 68, 65535);
  const seed = f.has("seed") ? intOption(cmd, "seed", f.get("seed") as string, 0, 0xffffffff) : 1;
  const json = f.has("json");
  const nic = { headerSplit: f.has("header-split"), checksumOffload: f.has("checksum-offload"), earlyDemux: f.has("early-demux") };

  const kernel = await loadKernel("release");
  const rows: DatagramRow[] = [];
  const table: Row[] = [];
  const refused = new Map<string, string>();
  for (const s of semantics)
    for (const bytes of sizes) {
      try {
        const r = await runDatagram({ profile: profileName, semantics: s, bytes, mtu, seed, kernel, ...nic });
        rows.push(r);
        table.push(datagramCells(r));
      } catch (e) {
        if (!(e instanceof NotImplemented)) throw e;
        refused.set(s, e.message);
        table.push({ lead: [s, bytes], note: "not implemented" });
      }
    }

  if (json) {
    for (const reason of refused.values()) io.err(`genie: ${reason}\n`);
    const doc = { profile: profileName, rows: rows.map((r) => Object.fromEntries(ROW_KEYS.map((k) => [k, r[k]]))) };
    io.out(JSON.stringify(doc, null, 2) + "\n");
  } else {
    const feats = Object.entries(nic).filter(([, on]) => on).map(([k]) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
    io.out(`datagram benchmark: profile ${profileName}, MTU ${mtu}, NIC ${feats.length ? feats.join(", ") : "plain"}, seed ${seed}; sizes ${sizes.map(fmtBytes).join(", ")}\n`);
    io.out("latency and throughput in simulated time; counters summed over sender and receiver\n\n");
    io.out(textTable(DATAGRAM_HEADERS, table));
    if (refused.size) io.out("\n" + [...refused.values()].join("\n") + "\n");
  }
  return rows.length === 0 ? 3 : 0;
}

async function benchPeers(args: string[], io: Out): Promise<number> {
  const cmd = "bench peers";
  const f = parseFlags(cmd, args, { workload: true, schemes: true, profile: true, size: true, json: false });
  if (!f.has("workload")) throw new UsageError(`${cmd}: --workload is required (${WORKLOADS.map((w) => w.name).join(", ")})`);
  const wl = WORKLOADS.find((w) => w.name === f.get("workload"));
  if (!wl) throw new UsageError(`${cmd}: unknown workload "${f.get("workload")}" (known: ${WORKLOADS.map((w) => w.name).join(", ")})`);
  const profileName = (f.get("profile") as string | undefined) ?? "server-2025";
  profileMtuArg(cmd, profileName);
  const schemes = f.has("schemes") ? list(cmd, "schemes", f.get("schemes") as string) : [...wl.schemes];
  for (const s of schemes) if (!ALL_SCHEMES.includes(s)) throw new UsageError(`${cmd}: --schemes: unknown scheme "${s}" (known: ${ALL_SCHEMES.join(", ")})`);
  const bytes = f.has("size") ? fileSize(f.get("size") as string) : wl.bytes;
  const kernel = await loadKernel("release");
  const rows: WorkloadResult[] = [];
  const table: Row[] = [];
  const refused: string[] = [];
  for (const scheme of schemes) {
    if (!wl.schemes.includes(scheme)) {
      const why = NOT_IMPLEMENTED[scheme] ?? `${scheme}: does not apply to ${wl.name} (it applies to ${wl.schemes.join(", ")})`;
      refused.push(why);
      table.push({ lead: [wl.name, scheme], note: NOT_IMPLEMENTED[scheme] ? "not implemented" : "does not apply" });
      continue;
    }
    const r = await wl.run(new World({ kernel, seed: 1 }), { profile: getProfile(profileName), scheme, bytes });
    rows.push(r);
    table.push(peersCells(r));
  }
  if (f.has("json")) {
    for (const why of refused) io.err(`genie: ${why}\n`);
    io.out(JSON.stringify({ profile: profileName, workload: wl.name, rows: rows.map((r) => Object.fromEntries(RESULT_KEYS.map((k) => [k, r[k]]))) }, null, 2) + "\n");
  } else {
    io.out(`${wl.name}: ${wl.description}; profile ${profileName}, ${fmtBytes(bytes)}\n`);
    io.out("simulated time; CPU time and counters summed over both machines; every result verified byte for byte\n\n");
    io.out(textTable(PEERS_HEADERS, table));
    if (refused.length) io.out("\n" + refused.join("\n") + "\n");
  }
  return rows.length === 0 ? 3 : 0;
}

async function benchWallclock(args: string[], io: Out): Promise<number> {
  const cmd = "bench wallclock";
  const f = parseFlags(cmd, args, { iterations: true, json: false });
  const iterations = f.has("iterations") ? intOption(cmd, "iterations", f.get("iterations") as string, 1, 1_000_000) : undefined;
  const r = await runWallclock({ iterations, kernel: await loadKernel("release"), progress: f.has("json") ? undefined : (l) => io.err(l + "\n") });
  if (f.has("json")) {
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
  return r.rows.length === 0 ? 3 : 0;
}

/** fileSize: "1048576", "64K", "64M", "1G" -> bytes; UsageError unless 1 <= size <= MAX_FILENET_BYTES. */
export function fileSize(s: string): number {
  const m = /^(\d+)([KkMmGg])?$/.exec(s.trim());
  if (!m) throw new UsageError(`bench filenet: --size "${s}" is not a number of bytes (like 1048576, 64K, 64M)`);
  const unit = (m[2] ?? "").toUpperCase();
  const n = Number(m[1]) * (unit === "K" ? 1024 : unit === "M" ? 1 << 20 : unit === "G" ? 1 << 30 : 1);
  if (!(n >= 1 && n <= MAX_FILENET_BYTES)) throw new UsageError(`bench filenet: --size "${s}" is outside 1..${MAX_FILENET_BYTES >> 20}M`);
  return n;
}

/** profileMtuArg: the default MTU of the profile --profile names; a UsageError if it is unknown. */
function profileMtuArg(cmd: string, name: string): number {
  try {
    return profileMtu(getProfile(name));
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`${cmd}: --profile: ${e.message}`);
    throw e;
  }
}

async function benchFilenet(args: string[], io: Out): Promise<number> {
  const cmd = "bench filenet";
  const f = parseFlags(cmd, args, { profile: true, size: true, memory: true, seed: true, json: false });
  if (!f.has("profile")) throw new UsageError(`${cmd}: --profile is required`);
  const profileName = f.get("profile") as string;
  const mtu = profileMtuArg(cmd, profileName);
  const bytes = f.has("size") ? fileSize(f.get("size") as string) : 64 << 20;
  let memory = FILENET_MEMORY;
  if (f.has("memory")) {
    try {
      memory = parseMemory(f.get("memory") as string);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(`${cmd}: --memory: ${e.message}`);
      throw e;
    }
  }
  const seed = f.has("seed") ? intOption(cmd, "seed", f.get("seed") as string, 0, 0xffffffff) : 1;
  const json = f.has("json");
  const rows = await runFilenet({ profile: profileName, bytes, memory, seed, kernel: await loadKernel("release"), progress: json ? undefined : (l) => io.err(l + "\n") });
  if (json) {
    const doc = { profile: profileName, rows: rows.map((r) => Object.fromEntries(FILENET_ROW_KEYS.map((k) => [k, r[k]]))) };
    io.out(JSON.stringify(doc, null, 2) + "\n");
  } else {
    io.out(`file -> network -> file: a ${fmtBytes(bytes)}-byte file, profile ${profileName}, MTU ${mtu}, 64 KiB datagrams, ` +
      `NIC header split, checksum offload, early demux; ${fmtBytes(memory)} of RAM per machine; seed ${seed}\n`);
    io.out("simulated time from a's first call to b's fsync; counters summed over both machines; b's file verified byte for byte\n\n");
    io.out(textTable(FILENET_HEADERS, rows.map(filenetCells)));
  }
  return rows.length === 0 ? 3 : 0;
}
