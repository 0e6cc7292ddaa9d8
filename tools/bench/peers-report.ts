// tools/bench/peers-report.ts — Genie's semantics beside the systems after it (docs/peers.md):
// every workload of the registry's peers group (tools/scenarios/peers/) under every scheme it
// applies to, for every shipped profile; the bulk-datagram workload swept over sizes to find
// where each scheme starts to beat copy.
//
//   crossover (per profile, per scheme): the smallest size of the sweep from which the scheme's
//   CPU time (both machines, counters x profile costs) stays below copy's at every larger size;
//   null if it never does. Nothing in the kernel knows these sizes: they come out of the costs.

import { getProfile, PROFILES } from "../host/index";
import { PEER_WORKLOADS, resolveSettings, runScenario, scenarioByName, scenarioWorld, type PeerWorkload } from "../scenarios/index";
import { fmtBytes, fmtNum, markdownTable, type Row } from "./format";
import { lineChart } from "./svg";

/** One row: the contract course tools read (keep names and order). */
export interface WorkloadResult {
  workload: string;
  scheme: string;
  profile: string;
  bytes: number;
  simulatedUs: number;
  throughputMbps: number;
  cpuUs: number;
  cpuBytesCopied: number;
  pteWrites: number;
  tlbShootdowns: number;
  faults: number;
}
export const RESULT_KEYS: readonly (keyof WorkloadResult)[] =
  ["workload", "scheme", "profile", "bytes", "simulatedUs", "throughputMbps", "cpuUs", "cpuBytesCopied", "pteWrites", "tlbShootdowns", "faults"];

/** runWorkload: workload wl under scheme on profile with `bytes` (and any of its other settings),
 *  in a fresh world; its row. Throws if the bytes do not arrive intact or an invariant fails. */
export async function runWorkload(kernel: WebAssembly.Module, wl: PeerWorkload, scheme: string, profile: string, bytes: number, more: Record<string, unknown> = {}): Promise<WorkloadResult> {
  const settings = resolveSettings(wl.settings, { ...more, scheme, profile, bytes }, wl.name);
  const { metrics } = await runScenario(wl, settings, scenarioWorld(kernel, settings), {}, { scrub: false });
  const row = { workload: wl.name, scheme, profile, bytes } as Record<string, string | number>;
  for (const k of RESULT_KEYS) if (!(k in row)) row[k] = metrics[k];
  return row as unknown as WorkloadResult;
}

export const SWEEP_SIZES = [1 << 10, 2 << 10, 4 << 10, 6 << 10, 8 << 10, 10 << 10, 12 << 10, 16 << 10, 32 << 10, 64 << 10, 256 << 10, 1 << 20];
/** The workload of the sweep, and its schemes. */
const SWEEP_WORKLOAD = "bulk-datagram";
const SWEEP_SCHEMES = ["copy", "emulated-copy", "share", "emulated-share", "move", "emulated-move", "msg-zerocopy", "splice", "io-lite"];

export interface PeersProfile {
  profile: string;
  rows: WorkloadResult[];
  sweep: WorkloadResult[];
  crossovers: { scheme: string; bytes: number | null }[];
}
export interface PeersReport {
  profiles: PeersProfile[];
}

export const PEERS_HEADERS = ["workload", "scheme", "bytes", "simulated µs", "Mbit/s", "CPU µs", "CPU bytes copied", "PTE writes", "TLB shootdowns", "faults"];
export function peersCells(r: WorkloadResult): Row {
  return [r.workload, r.scheme, fmtBytes(r.bytes), fmtNum(r.simulatedUs), fmtNum(r.throughputMbps), fmtNum(r.cpuUs), r.cpuBytesCopied, r.pteWrites, r.tlbShootdowns, r.faults];
}

/** crossover: the smallest swept size from which scheme's CPU time stays below copy's. */
export function crossover(sweep: WorkloadResult[], scheme: string): number | null {
  let from: number | null = null;
  for (const bytes of SWEEP_SIZES) {
    const s = sweep.find((r) => r.scheme === scheme && r.bytes === bytes), c = sweep.find((r) => r.scheme === "copy" && r.bytes === bytes);
    if (!s || !c) continue;
    if (s.cpuUs < c.cpuUs) from ??= bytes;
    else from = null;
  }
  return from;
}

/** runPeers: the whole report (deterministic). */
export async function runPeers(opts: { kernel: WebAssembly.Module; progress?: (line: string) => void }): Promise<PeersReport> {
  const out: PeersProfile[] = [];
  for (const name of Object.keys(PROFILES)) {
    const one = async (workload: string, scheme: string, bytes: number) => {
      const r = await runWorkload(opts.kernel, scenarioByName(workload) as PeerWorkload, scheme, name, bytes);
      opts.progress?.(`peers ${name} ${workload} ${scheme} ${fmtBytes(bytes)}: ${r.cpuUs} CPU µs, ${r.cpuBytesCopied} bytes copied`);
      return r;
    };
    const rows: WorkloadResult[] = [];
    for (const wl of PEER_WORKLOADS) for (const scheme of wl.schemes) rows.push(await one(wl.name, scheme, wl.bytes));
    const sweep: WorkloadResult[] = [];
    for (const scheme of SWEEP_SCHEMES) for (const bytes of SWEEP_SIZES) sweep.push(await one(SWEEP_WORKLOAD, scheme, bytes));
    out.push({ profile: name, rows, sweep, crossovers: SWEEP_SCHEMES.filter((s) => s !== "copy").map((scheme) => ({ scheme, bytes: crossover(sweep, scheme) })) });
  }
  return { profiles: out };
}

/** peersCharts: per profile, CPU time of one datagram against its size, per scheme. */
export function peersCharts(r: PeersReport): Record<string, string> {
  const charts: Record<string, string> = {};
  for (const p of r.profiles) {
    charts[`peers-${p.profile}-cpu.svg`] = lineChart({
      title: `One datagram: CPU time of both machines, ${p.profile}`,
      subtitle: "counters x profile costs; lower is better",
      xLabel: "datagram size (bytes)",
      yLabel: "CPU µs",
      xFormat: fmtBytes,
      series: SWEEP_SCHEMES.map((scheme) => ({ name: scheme, points: p.sweep.filter((x) => x.scheme === scheme).map((x) => [x.bytes, x.cpuUs] as [number, number]) })),
    });
  }
  return charts;
}

const best = (rows: WorkloadResult[], workload: string) =>
  rows.filter((r) => r.workload === workload).reduce((a, b) => (b.cpuUs < a.cpuUs ? b : a));
const row = (rows: WorkloadResult[], workload: string, scheme: string) => rows.find((r) => r.workload === workload && r.scheme === scheme);

/** peersMarkdown: the section of the report (chartDir: where the SVGs are, "" for beside it). */
export function peersMarkdown(r: PeersReport, chartDir: string): string {
  const md: string[] = [];
  const at = (f: string) => (chartDir ? `${chartDir}/${f}` : f);
  md.push("## Genie beside the systems after it", "");
  md.push("Every workload of `tools/scenarios/peers/` under every scheme it applies to (`docs/peers.md` says what each",
    "scheme is and what of it is published), on each profile; simulated time, payload throughput, and for both machines",
    "the CPU time (counters x the profile's costs), bytes the CPUs copied, PTE writes, TLB shootdowns and faults. Every",
    "result was verified byte for byte. Run one yourself: `genie bench peers --workload NAME --profile NAME`.", "");
  for (const p of r.profiles) {
    md.push(`### Profile \`${p.profile}\``, "");
    md.push(markdownTable(PEERS_HEADERS, p.rows.map(peersCells)));
    md.push(`![CPU time of one datagram per scheme, ${p.profile}](${at(`peers-${p.profile}-cpu.svg`)})`, "");
    md.push("Where each scheme starts to beat copy (one datagram, CPU time of both machines; sizes swept: " + SWEEP_SIZES.map(fmtBytes).join(", ") + "):", "");
    md.push(markdownTable(["scheme", "beats copy from"], p.crossovers.map((c) => [c.scheme, c.bytes === null ? "never in the sweep" : fmtBytes(c.bytes)])));
  }
  md.push("### Where each scheme wins, and why", "");
  for (const p of r.profiles) {
    const rows = p.rows;
    const cross = (s: string) => p.crossovers.find((c) => c.scheme === s)?.bytes;
    const fx = (b: number | null | undefined) => (b ? fmtBytes(b) : "no size in the sweep");
    const fs = best(rows, "fileserver"), pr = best(rows, "proxy"), kv = best(rows, "kvset"), mo = best(rows, "modify"), fn = best(rows, "filenet"), cg = best(rows, "cgi");
    const zp = row(rows, "proxy", "zio"), cp = row(rows, "proxy", "copy");
    md.push(`- **${p.profile}**: MSG_ZEROCOPY beats copy from ${fx(cross("msg-zerocopy"))}, emulated copy from ${fx(cross("emulated-copy"))},` +
      ` splice (vmsplice) from ${fx(cross("splice"))}, IO-Lite from ${fx(cross("io-lite"))}. Cheapest in CPU: fileserver ${fs.scheme} (${fmtNum(fs.cpuUs)} µs), filenet ${fn.scheme},` +
      ` cgi ${cg.scheme}, proxy ${pr.scheme}${zp && cp ? ` (zio ${fmtNum(zp.cpuUs)} µs against copy's ${fmtNum(cp.cpuUs)})` : ""}, kvset ${kv.scheme}, modify ${mo.scheme}.`);
  }
  md.push("", "Why. A zero-copy send trades the copy of its bytes for fixed costs: MSG_ZEROCOPY pays a pin and an",
    "unpin per page, and per send a notification and the call that reads it, so it loses on small sends and wins once the",
    "copy it avoids costs more. Where that happens depends only on the profile's copy bandwidth against those costs (the",
    "crossover tables above; the Linux documentation puts it at about 10 KB on current servers). sendfile and splice send",
    "cached file pages by reference and need no notification, so on the file server they do best; emulated copy gets the",
    "same from a mapped file at the price of write-protecting its mappings (PTE writes), and on the slow-copy profile its",
    "page swapping on the receive side makes it the cheapest file-to-network scheme: none of the Linux schemes avoids the",
    "receiver's copy. zIO pays, per elided page, an unmapping and its bookkeeping, and per page touched afterwards a fault",
    "and the copy anyway; a reused receive buffer pays a copy-on-write for every page its copies still owe. Whether the",
    "proxy's two elided copies are worth that is a question of the fault's cost against a page copy's:", "");
  for (const p of r.profiles) {
    const costs = getProfile(p.profile).costs;
    const zp = row(p.rows, "proxy", "zio"), cp = row(p.rows, "proxy", "copy");
    if (!zp || !cp) continue;
    md.push(`- ${p.profile}: a fault costs ${fmtNum(costs.faults.ns / 1000)} µs, copying a page ${fmtNum((costs.bytesCopied.ns * 4096) / 1000)} µs;` +
      ` the proxy costs ${fmtNum(zp.cpuUs)} CPU µs with zio against ${fmtNum(cp.cpuUs)} with copy: zio ${zp.cpuUs < cp.cpuUs ? "wins" : "loses"}.`);
  }
  md.push("", "zIO's claim against a store built on mapped files is fewer TLB shootdowns. In kvset (the store's address space",
    "active on both CPUs of its machine) the mapped-file store receives each value straight into its mapped log (page",
    "swapping, emulated copy) and msyncs:", "");
  for (const p of r.profiles) {
    const z = row(p.rows, "kvset", "zio"), mm = row(p.rows, "kvset", "emulated-copy"), c = row(p.rows, "kvset", "copy");
    if (!z || !mm || !c) continue;
    md.push(`- ${p.profile}: TLB shootdowns zio ${z.tlbShootdowns}, mapped file ${mm.tlbShootdowns}, copy ${c.tlbShootdowns};` +
      ` CPU µs zio ${fmtNum(z.cpuUs)}, mapped file ${fmtNum(mm.cpuUs)}, copy ${fmtNum(c.cpuUs)}.`);
  }
  md.push("", "When the copied value is then written to a file (kvset) or every page is modified (modify), the owed pages are",
    "copied anyway: zio copies as many bytes as copy does and adds faults, until its policy has judged the buffer (16",
    "pages) and stops eliding into it.", "");
  md.push("IO-Lite passes aggregates of immutable buffers by value: nothing the application does copies the data, only",
    "the (buffer, offset, length) slices (8 bytes each) cross the calls. A pool's window stays mapped, so a buffer reused",
    "costs no PTE write, and the file cache's pages are the buffers the server sends. What it cannot avoid here is a",
    "receiver that is not IO-Lite (the file server's and the CGI's client copy) and, on files, `iol_write` into the page",
    "cache (docs/peers.md §3). Against copy and the best other scheme of each workload (CPU µs, bytes the CPUs copied):", "");
  for (const p of r.profiles) {
    const parts: string[] = [];
    for (const wl of ["fileserver", "cgi", "filenet", "proxy"]) {
      const io = row(p.rows, wl, "io-lite"), c = row(p.rows, wl, "copy");
      if (!io || !c) continue;
      const others = p.rows.filter((x) => x.workload === wl && x.scheme !== "io-lite");
      const b = others.reduce((x, y) => (y.cpuUs < x.cpuUs ? y : x));
      parts.push(`${wl} io-lite ${fmtNum(io.cpuUs)} µs / ${fmtNum(io.cpuBytesCopied)} B, copy ${fmtNum(c.cpuUs)} µs / ${fmtNum(c.cpuBytesCopied)} B, ` +
        `best other ${b.scheme} ${fmtNum(b.cpuUs)} µs`);
    }
    if (parts.length) md.push(`- ${p.profile}: ${parts.join("; ")}.`);
  }
  md.push("");
  return md.join("\n");
}
