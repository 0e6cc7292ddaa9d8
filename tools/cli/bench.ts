// tools/cli/bench.ts — `genie bench`: the benchmarks, for people (tables) and course tools (JSON).
//
//   genie bench datagram --profile NAME --semantics LIST --sizes LIST [--mtu N] [--seed N]
//                        [--[no-]header-split] [--[no-]checksum-offload] [--[no-]early-demux] [--json]
//   genie bench wallclock [--iterations N] [--json]
//   genie bench filenet --profile NAME [--size 64M] [--memory 32M] [--seed N] [--json]
//   genie bench steady --profile NAME --semantics LIST --sizes LIST [--rounds N] [--seed N] [--json]
//   genie bench patching --profile NAME [--mtus LIST] [--sizes LIST] [--seed N] [--json]
//   genie bench ipc --profile NAME --semantics LIST [--size 60K] [--speedups 1,4,16] [--seed N] [--json]
//   genie bench handler --profile NAME [--sizes LIST] [--seed N] [--json]
//
// steady, patching, ipc and handler --json print {"profile": NAME, "rows": [ROW, ...]} in the same style, rows
// as tools/bench/steady.ts and tools/bench/patching.ts define them.
//
// datagram --json prints exactly {"profile": NAME, "rows": [ROW, ...]}, rows in the order
// semantics x sizes, each ROW {"semantics", "bytes", "latencyUs", "throughputMbps",
// "cpuBytesCopied", "pteWrites", "tlbShootdowns", "faults"} (tools/bench/datagram.ts). A
// semantics the kernel does not implement gives no rows: the reason goes to stderr (the table
// shows "not implemented" in its rows). Exit status: 0; 2 for a bad command line; 3 when no
// row at all could be produced. Same options and seed: the same numbers, always.
//
// filenet --json prints exactly {"profile": NAME, "rows": [ROW, ...]}, one row per scheme (copy,
// mmap-emulated-copy, mmap-pswap, mmap-copy, rw-emulated-copy), each ROW {"scheme", "bytes", "simulatedMs", "cpuBytesCopied",
// "pageSwaps", "diskBytes", "cpuMs", "wallMs"} (tools/bench/filenet.ts); all but wallMs are the same for
// the same options and seed.

import { ConfigError, getProfile, NIC_FEATURES, nicText, parseMemory, PROFILES, profileMtu, profileNic, semanticsByName, SEMANTICS_NAMES, type NicFeatures } from "../host/index";
import type { NicFeature } from "../host/profile";
import { loadKernel } from "../host/node";
import { MAX_BENCH_BYTES, NotImplemented, ROW_KEYS, runDatagram, type DatagramRow } from "../bench/datagram";
import { DATAGRAM_HEADERS, datagramCells, fmtBytes, textTable, type Row } from "../bench/format";
import { runWallclock, WALLCLOCK_HEADERS, wallclockCells } from "../bench/wallclock";
import { FILENET_HEADERS, FILENET_MEMORY, FILENET_ROW_KEYS, filenetCells, MAX_FILENET_BYTES, runFilenet } from "../bench/filenet";
import { UsageError } from "./usage";
import { runSteady, STEADY_HEADERS, STEADY_ROUNDS, STEADY_ROW_KEYS, steadyCells, type SteadyRow } from "../bench/steady";
import { PATCHING_HEADERS, PATCHING_ROW_KEYS, PATCHING_SCHEMES, patchingCells, runPatching, type PatchingRow } from "../bench/patching";
import { HANDLER_SIZES, IPC_BYTES, IPC_SPEEDUPS, PATCHING_MTUS, PATCHING_SIZES } from "../bench/further";
import { HANDLER_HEADERS, HANDLER_ROW_KEYS, handlerCells, IPC_HEADERS, IPC_ROW_KEYS, ipcCells, runHandler, runIpc, type HandlerRow, type IpcRow } from "../bench/ipcserver";

export const BENCH_USAGE = `  bench datagram --profile NAME --semantics LIST --sizes LIST [--mtu N] [--seed N]
                 [--[no-]header-split] [--[no-]checksum-offload] [--[no-]early-demux] [--json]
                            one UDP datagram from one machine to another, per semantics and
                            size (LIST: comma-separated; sizes in bytes or with K / M, 1..1M);
                            latency, throughput and CPU work in simulated time; the adapter is
                            the profile's (its nic section), each feature turned on or off by flag
                            profiles: ${Object.keys(PROFILES).join(", ")}
                            semantics: ${SEMANTICS_NAMES.slice(0, 4).join(", ")},
                              ${SEMANTICS_NAMES.slice(4).join(", ")}
  bench wallclock [--iterations N] [--json]
                            wall-clock speed of the simulator on 64 KiB datagrams (server-2025,
                            MTU 9000, checksum offload, header split, early demux) against the
                            host's raw copy of the bytes, and the simulated adapters' own share
  bench filenet --profile NAME [--size 64M] [--memory 32M] [--seed N] [--json]
                            a file of SIZE bytes (K / M / G, up to 512M) from one machine's disk
                            to another's over the network: copy (read/sendto, recvfrom/write)
                            against mapped files with emulated copy, and with pswap, and the
                            mixed cases (mapped files with copy in the network, read/write with
                            emulated copy in the network); simulated time, CPU bytes copied,
                            page swaps, disk bytes, wall-clock time
  bench steady --profile NAME --semantics LIST --sizes LIST [--rounds N] [--seed N] [--json]
                            steady state: one datagram bounced between two machines on the same
                            buffers and sockets (ROUNDS round trips, default 8): single shot
                            against steady-state latency, counters per transfer
  bench patching --profile NAME [--mtus 1500,9000] [--sizes 60K,256K] [--seed N] [--json]
                            header patching on a NIC without header split, against the same NIC
                            copying and a NIC with header split: latency, receiver CPU, bytes
                            copied per packet
  bench ipc --profile NAME --semantics LIST [--size 60K] [--speedups 1,4,16] [--seed N] [--json]
                            the protocol server in a process (I/O-oriented IPC over channels)
                            against the kernel's, per semantics, with every CPU cost divided by
                            each speed-up
  bench handler --profile NAME [--sizes 4K,60K,256K] [--seed N] [--json]
                            an application handler in the kernel (no domain crossing) against
                            emulated copy to the application
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

/** The adapter flags: --FEATURE turns it on, --no-FEATURE off (default: the profile's). */
const flagName = (f: NicFeature) => f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const NIC_FLAGS: Spec = Object.fromEntries(NIC_FEATURES.flatMap((f) => [[flagName(f), false], [`no-${flagName(f)}`, false]]));

/** nicFlags: the adapter features the flags set (UsageError if one is both on and off). */
function nicFlags(cmd: string, f: Map<string, string | true>): Partial<NicFeatures> {
  const over: Partial<NicFeatures> = {};
  for (const k of NIC_FEATURES) {
    const on = f.has(flagName(k)), off = f.has(`no-${flagName(k)}`);
    if (on && off) throw new UsageError(`${cmd}: --${flagName(k)} and --no-${flagName(k)} contradict each other`);
    if (on || off) over[k] = on;
  }
  return over;
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
    case "steady": return benchSteady(rest, io);
    case "patching": return benchPatching(rest, io);
    case "ipc": return benchIpc(rest, io);
    case "handler": return benchHandler(rest, io);
    case undefined: throw new UsageError("bench: which benchmark? (datagram, wallclock, filenet, steady, patching, ipc or handler)");
    default: throw new UsageError(`bench: unknown benchmark "${sub}" (known: datagram, wallclock, filenet, steady, patching, ipc, handler)`);
  }
}

async function benchDatagram(args: string[], io: Out): Promise<number> {
  const cmd = "bench datagram";
  const f = parseFlags(cmd, args, {
    profile: true, semantics: true, sizes: true, mtu: true, seed: true,
    json: false, ...NIC_FLAGS,
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
  const over = nicFlags(cmd, f);
  const nic = profileNic(getProfile(profileName), over);

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
    const byFlag = NIC_FEATURES.filter((k) => k in over).map((k) => (over[k] ? "" : "no-") + flagName(k));
    io.out(`datagram benchmark: profile ${profileName}, MTU ${mtu}, seed ${seed}; sizes ${sizes.map(fmtBytes).join(", ")}\n`);
    io.out(`adapter: ${nicText(nic)} (${profileName}'s adapter${byFlag.length ? `; by flag: ${byFlag.join(", ")}` : ""})\n`);
    io.out("latency and throughput in simulated time; counters summed over sender and receiver\n\n");
    io.out(textTable(DATAGRAM_HEADERS, table));
    if (refused.size) io.out("\n" + [...refused.values()].join("\n") + "\n");
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

/** rowsOut: {profile, rows} as JSON (keys in order), or a table with a heading. */
function rowsOut<T>(io: Out, json: boolean, profile: string, rows: T[], keys: readonly (keyof T)[], headers: string[], cells: (r: T) => (string | number)[], heading: string): number {
  if (json) io.out(JSON.stringify({ profile, rows: rows.map((r) => Object.fromEntries(keys.map((k) => [k, r[k]]))) }, null, 2) + "\n");
  else io.out(heading + "\n\n" + textTable(headers, rows.map(cells)));
  return rows.length === 0 ? 3 : 0;
}

async function benchSteady(args: string[], io: Out): Promise<number> {
  const cmd = "bench steady";
  const f = parseFlags(cmd, args, { profile: true, semantics: true, sizes: true, rounds: true, seed: true, json: false });
  for (const need of ["profile", "semantics", "sizes"]) if (!f.has(need)) throw new UsageError(`${cmd}: --${need} is required`);
  const profile = f.get("profile") as string;
  profileMtuArg(cmd, profile);
  const semantics = list(cmd, "semantics", f.get("semantics") as string);
  for (const s of semantics) if (!SEMANTICS_NAMES.includes(s)) throw new UsageError(`${cmd}: --semantics: unknown semantics "${s}"`);
  const sizes = list(cmd, "sizes", f.get("sizes") as string).map(parseSize);
  const rounds = f.has("rounds") ? intOption(cmd, "rounds", f.get("rounds") as string, 2, 1000) : STEADY_ROUNDS;
  const seed = f.has("seed") ? intOption(cmd, "seed", f.get("seed") as string, 0, 0xffffffff) : 1;
  const kernel = await loadKernel("release");
  const rows: SteadyRow[] = [];
  for (const s of semantics) for (const bytes of sizes) rows.push(await runSteady({ profile, semantics: s, bytes, rounds, seed, kernel }));
  return rowsOut(io, f.has("json"), profile, rows, STEADY_ROW_KEYS, STEADY_HEADERS, steadyCells,
    `steady state: profile ${profile}, adapter ${nicText(profileNic(getProfile(profile)))}, ${rounds} round trips per row, seed ${seed}\n` +
    "single shot: the first transfer on fresh machines; steady: the mean after the first round trip; counters per steady transfer");
}

async function benchPatching(args: string[], io: Out): Promise<number> {
  const cmd = "bench patching";
  const f = parseFlags(cmd, args, { profile: true, mtus: true, sizes: true, seed: true, json: false });
  if (!f.has("profile")) throw new UsageError(`${cmd}: --profile is required`);
  const profile = f.get("profile") as string;
  profileMtuArg(cmd, profile);
  const mtus = f.has("mtus") ? list(cmd, "mtus", f.get("mtus") as string).map((m) => intOption(cmd, "mtus", m, 576, 65535)) : PATCHING_MTUS;
  const sizes = f.has("sizes") ? list(cmd, "sizes", f.get("sizes") as string).map(parseSize) : PATCHING_SIZES;
  const seed = f.has("seed") ? intOption(cmd, "seed", f.get("seed") as string, 0, 0xffffffff) : 1;
  const kernel = await loadKernel("release");
  const rows: PatchingRow[] = [];
  for (const mtu of mtus) for (const bytes of sizes) for (const scheme of PATCHING_SCHEMES) rows.push(await runPatching({ profile, scheme, bytes, mtu, seed, kernel }));
  return rowsOut(io, f.has("json"), profile, rows, PATCHING_ROW_KEYS, PATCHING_HEADERS, patchingCells,
    `header patching: profile ${profile}, early demux and checksum offload on; patching and copy: no header split; split: header split; seed ${seed}\n` +
    "the sender uses emulated copy; receiver's CPU time and bytes copied");
}

async function benchIpc(args: string[], io: Out): Promise<number> {
  const cmd = "bench ipc";
  const f = parseFlags(cmd, args, { profile: true, semantics: true, size: true, speedups: true, seed: true, json: false });
  for (const need of ["profile", "semantics"]) if (!f.has(need)) throw new UsageError(`${cmd}: --${need} is required`);
  const profile = f.get("profile") as string;
  profileMtuArg(cmd, profile);
  const semantics = list(cmd, "semantics", f.get("semantics") as string);
  for (const s of semantics) if (!SEMANTICS_NAMES.includes(s)) throw new UsageError(`${cmd}: --semantics: unknown semantics "${s}"`);
  const bytes = f.has("size") ? parseSize(f.get("size") as string) : IPC_BYTES;
  const speedups = f.has("speedups") ? list(cmd, "speedups", f.get("speedups") as string).map((x) => intOption(cmd, "speedups", x, 1, 1000)) : IPC_SPEEDUPS;
  const seed = f.has("seed") ? intOption(cmd, "seed", f.get("seed") as string, 0, 0xffffffff) : 1;
  const kernel = await loadKernel("release");
  const rows: IpcRow[] = [];
  for (const cpuSpeedup of speedups) for (const s of semantics) rows.push(await runIpc({ profile, semantics: s, bytes, cpuSpeedup, seed, kernel }));
  return rowsOut(io, f.has("json"), profile, rows, IPC_ROW_KEYS, IPC_HEADERS, ipcCells,
    `protocol server placement: profile ${profile}, ${fmtBytes(bytes)} datagrams, seed ${seed}\n` +
    "kernel: the client calls the kernel's UDP/IP directly; process: a server process between the client and the socket, over channels");
}

async function benchHandler(args: string[], io: Out): Promise<number> {
  const cmd = "bench handler";
  const f = parseFlags(cmd, args, { profile: true, sizes: true, seed: true, json: false });
  if (!f.has("profile")) throw new UsageError(`${cmd}: --profile is required`);
  const profile = f.get("profile") as string;
  profileMtuArg(cmd, profile);
  const sizes = f.has("sizes") ? list(cmd, "sizes", f.get("sizes") as string).map(parseSize) : HANDLER_SIZES;
  const seed = f.has("seed") ? intOption(cmd, "seed", f.get("seed") as string, 0, 0xffffffff) : 1;
  const kernel = await loadKernel("release");
  const rows: HandlerRow[] = [];
  for (const bytes of sizes) rows.push(await runHandler({ profile, bytes, seed, kernel }));
  return rowsOut(io, f.has("json"), profile, rows, HANDLER_ROW_KEYS, HANDLER_HEADERS, handlerCells,
    `extensible kernel: profile ${profile}, seed ${seed}\nhandler: the datagram handed over by UDP input in the kernel; application: emulated copy to a process`);
}
