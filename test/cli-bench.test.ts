// `genie bench`, run as course tools run it: node build/cli/genie.mjs bench ... --json.
// The JSON rows are a contract; the profiles behind them are data, validated field by field.
// Wall-clock numbers are never asserted (machines are noisy): only the shape of their report.

import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { genie, genieAsync, root, useCli } from "./cli-run";
import { ConfigError, getProfile, PROFILES, Sem, SEMANTICS, semanticsByName, validateProfile } from "../tools/host/index";
import { STEADY_ROW_KEYS } from "../tools/bench/steady";
import { PATCHING_ROW_KEYS } from "../tools/bench/patching";
import { HANDLER_ROW_KEYS, IPC_ROW_KEYS } from "../tools/bench/ipcserver";

const ROW_KEYS = ["semantics", "bytes", "latencyUs", "throughputMbps", "cpuBytesCopied", "pteWrites", "tlbShootdowns", "faults"];




/** bench: `genie bench datagram` with --json; status, parsed document (if any) and stderr. */
function bench(...args: string[]) {
  const r = genie("bench", "datagram", ...args, "--json");
  let doc: { profile: string; rows: Record<string, unknown>[] } | null = null;
  try { doc = JSON.parse(r.stdout); } catch { /* checked by the caller */ }
  return { ...r, doc };
}

useCli();

describe("genie bench datagram --json", () => {
  it("prints {profile, rows} with exactly the contract's keys per row, in the order semantics x sizes, deterministically", () => {
    const args = ["--profile", "default", "--semantics", "copy", "--sizes", "1K,4K,60K"];
    const r = bench(...args);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(Object.keys(r.doc!)).toEqual(["profile", "rows"]);
    expect(r.doc!.profile).toBe("default");
    const rows = r.doc!.rows;
    expect(rows.map((x) => x.bytes)).toEqual([1024, 4096, 61440]);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(ROW_KEYS);
      expect(row.semantics).toBe("copy");
      for (const k of ["latencyUs", "throughputMbps", "cpuBytesCopied"]) {
        expect(Number.isFinite(row[k]), k).toBe(true);
        expect(row[k] as number, k).toBeGreaterThan(0);
      }
      for (const k of ["pteWrites", "tlbShootdowns", "faults"]) expect(Number.isInteger(row[k]) && (row[k] as number) >= 0, k).toBe(true);
      // Copy: each side copies the payload once, and nothing else.
      expect(row.cpuBytesCopied).toBe(2 * (row.bytes as number));
      expect(row.throughputMbps).toBeCloseTo(((row.bytes as number) * 8) / (row.latencyUs as number), 1);
    }
    const lat = rows.map((x) => x.latencyUs as number);
    expect(lat[1]).toBeGreaterThan(lat[0]);
    expect(lat[2]).toBeGreaterThan(lat[1]);
    // Same options, same seed: the very same output.
    expect(bench(...args).stdout).toBe(r.stdout);
  });

  it("takes the MTU from the profile unless --mtu is given, and sizes in bytes, K or M", () => {
    const big = bench("--profile", "credit-net-1997", "--semantics", "copy", "--sizes", "60K");
    const small = bench("--profile", "credit-net-1997", "--semantics", "copy", "--sizes", "61440", "--mtu", "1500");
    expect(big.status).toBe(0);
    expect(small.doc!.rows[0].bytes).toBe(61440);
    // 42 fragments at MTU 1500 cost more fixed per-packet work than one AAL5 frame.
    expect(small.doc!.rows[0].latencyUs as number).toBeGreaterThan(big.doc!.rows[0].latencyUs as number);
  });

  it("takes the adapter from the profile: credit-net-1997 alone reproduces GBN '97's 60 KB copy and emulated copy, says which adapter it used, and --no-FEATURE / --FEATURE override it", () => {
    const args = ["--profile", "credit-net-1997", "--semantics", "copy,emulated-copy", "--sizes", "60K"];
    const own = bench(...args), plain = bench(...args, "--no-early-demux", "--no-checksum-offload");
    expect(own.status).toBe(0);
    // GBN '97 Table 1 fits at 61440 bytes: copy 3575.8 µs, emulated copy 1441.5 µs.
    expect(own.doc!.rows[0].latencyUs as number).toBeCloseTo(3575.8, -2);
    expect(Math.abs((own.doc!.rows[1].latencyUs as number) / 1441.5 - 1)).toBeLessThan(0.1);
    // Without the adapter's features the receiver checksums and cannot align: far from the paper.
    expect(plain.doc!.rows[1].latencyUs as number).toBeGreaterThan(2 * (own.doc!.rows[1].latencyUs as number));
    const text = genie("bench", "datagram", ...args, "--no-early-demux", "--header-split");
    expect(text.stdout).toMatch(/^adapter: checksum offload, header split \(credit-net-1997's adapter; by flag: header-split, no-early-demux\)$/m);
    expect(genie("bench", "datagram", ...args).stdout).toMatch(/^adapter: early demux, checksum offload \(credit-net-1997's adapter\)$/m);
    const both = genie("bench", "datagram", ...args, "--early-demux", "--no-early-demux");
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--early-demux and --no-early-demux contradict each other/);
  });

  it("steady, patching, ipc and handler print {profile, rows} with their contract's keys, deterministically; bad options exit 2", async () => {
    const runs: [string[], readonly string[]][] = [
      [["steady", "--profile", "server-2025", "--semantics", "move,emulated-move", "--sizes", "8K", "--rounds", "3"], STEADY_ROW_KEYS],
      [["patching", "--profile", "server-2025", "--mtus", "1500", "--sizes", "16K"], PATCHING_ROW_KEYS],
      [["ipc", "--profile", "credit-net-1997", "--semantics", "emulated-copy", "--size", "16K", "--speedups", "1,4"], IPC_ROW_KEYS],
      [["handler", "--profile", "credit-net-1997", "--sizes", "8K"], HANDLER_ROW_KEYS],
    ];
    const out = await Promise.all(runs.map(([args]) => genieAsync("bench", ...args, "--json")));
    for (const [i, r] of out.entries()) {
      expect(r.status, runs[i][0].join(" ")).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(Object.keys(doc)).toEqual(["profile", "rows"]);
      for (const row of doc.rows) expect(Object.keys(row)).toEqual(runs[i][1]);
    }
    const [steady, patching, ipc, handler] = out.map((r) => JSON.parse(r.stdout).rows);
    expect(steady.map((x: { transfers: number }) => x.transfers)).toEqual([6, 6]);
    expect(patching.map((x: { scheme: string }) => x.scheme)).toEqual(["patching", "copy", "split"]);
    expect(patching[1].receiverBytesCopied).toBe(16384); // the copying receiver copies every byte
    expect(patching[2].receiverBytesCopied).toBe(0); // header split copies none
    expect(ipc[1].ratio).toBeLessThan(ipc[0].ratio); // a faster CPU narrows the gap
    expect(handler[0].appUs).toBeGreaterThan(handler[0].handlerUs);
    expect((await genieAsync("bench", ...runs[1][0], "--json")).stdout).toBe(out[1].stdout);
    for (const bad of [["steady", "--profile", "server-2025", "--semantics", "nope", "--sizes", "4K"], ["ipc", "--profile", "server-2025", "--semantics", "copy", "--speedups", "0"], ["handler"]])
      expect((await genieAsync("bench", ...bad)).status, bad.join(" ")).toBe(2);
  });

  it("reports a semantics the kernel refuses on stderr, gives it no rows, and exits 3 when no row is left", () => {
    const all = SEMANTICS.map((s) => s.name);
    const r = bench("--profile", "default", "--semantics", all.join(","), "--sizes", "4K");
    const done = new Set(r.doc!.rows.map((x) => x.semantics));
    const refused = all.filter((n) => !done.has(n));
    expect(done.has("copy")).toBe(true);
    expect(r.status).toBe(0);
    for (const n of refused) expect(r.stderr).toContain(`semantics ${n}: not implemented by this kernel (EOPNOTSUPP)`);
    expect(r.doc!.rows.map((x) => x.semantics)).toEqual(all.filter((n) => done.has(n)));
    if (refused.length === 0) return; // every semantics implemented: nothing left to refuse
    const only = bench("--profile", "default", "--semantics", refused[0], "--sizes", "4K");
    expect(only.status).toBe(3);
    expect(only.doc).toEqual({ profile: "default", rows: [] });
    expect(only.stderr).toMatch(new RegExp(`semantics ${refused[0]}: not implemented`));
    const table = genie("bench", "datagram", "--profile", "default", "--semantics", `copy,${refused[0]}`, "--sizes", "4K");
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${refused[0]}\\s+4096\\s+not implemented$`, "m"));
    expect(table.stdout).toMatch(/^copy\s+4096\s+\d/m);
  });

  const bad: [string, string[], RegExp][] = [
    ["an unknown option", ["--profile", "default", "--semantics", "copy", "--sizes", "4K", "--fast"], /unknown option --fast/],
    ["an unknown profile", ["--profile", "vax-1985", "--semantics", "copy", "--sizes", "4K"], /unknown profile "vax-1985"/],
    ["an unknown semantics", ["--profile", "default", "--semantics", "copy,teleport", "--sizes", "4K"], /unknown semantics "teleport"/],
    ["a size of 0", ["--profile", "default", "--semantics", "copy", "--sizes", "0"], /size "0" is outside 1\.\.1M/],
    ["a size over 1 MiB", ["--profile", "default", "--semantics", "copy", "--sizes", "4K,1025K"], /size "1025K" is outside 1\.\.1M/],
    ["a size that is no number", ["--profile", "default", "--semantics", "copy", "--sizes", "4KB"], /size "4KB" is not a number of bytes/],
    ["a missing value", ["--profile", "default", "--semantics", "copy", "--sizes"], /--sizes needs a value/],
    ["a value that is an option", ["--profile", "--semantics", "copy", "--sizes", "4K"], /--profile needs a value/],
    ["a missing option", ["--profile", "default", "--sizes", "4K"], /--semantics is required/],
    ["a bad MTU", ["--profile", "default", "--semantics", "copy", "--sizes", "4K", "--mtu", "9e3"], /--mtu "9e3" is not an integer in 68\.\.65535/],
  ];
  for (const [what, args, msg] of bad)
    it.concurrent(`${what} is refused with exit status 2, one line naming it and a hint to the command's help`, async () => {
      const r = await genieAsync("bench", "datagram", ...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      const [line, hint, ...rest] = r.stderr.split("\n");
      expect(line).toMatch(/^genie: bench datagram: /);
      expect(line).toMatch(msg);
      expect(hint).toBe("run 'genie bench datagram --help' for usage");
      expect(rest).toEqual([""]);
    });

  it.concurrent("an unknown benchmark is refused with exit status 2", async () => {
    const r = await genieAsync("bench", "tcp");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown benchmark "tcp"/);
  });
});

describe("genie bench wallclock --json", () => {
  it("reports, per implemented semantics, wall, floor, device and bound (B) ns per byte, the ratios and MB/s, and boot times (shape only)", () => {
    const r = genie("bench", "wallclock", "--iterations", "5", "--json");
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ profile: "server-2025", bytes: 65536, mtu: 9000, checksumOffload: true, iterations: 5 });
    for (const k of ["bootMs", "coldBootMs", "pairBootMs"]) expect(doc[k] > 0 && Number.isFinite(doc[k]), k).toBe(true);
    expect(doc.rows.map((x: { semantics: string }) => x.semantics)).toContain("copy");
    for (const row of doc.rows) {
      expect(Object.keys(row)).toEqual(["semantics", "wallNsPerByte", "floorNsPerByte", "ratio", "deviceNsPerByte", "deviceRatio", "wallMBps", "floorMBps",
        "boundNsPerByte", "boundRatio", "deviceBoundRatio", "cpuBoundRatio", "spread"]);
      for (const k of Object.keys(row).slice(1, -1)) expect(row[k] > 0 && Number.isFinite(row[k]), k).toBe(true);
      // The spread over the rounds: [min, median, max] of each figure and of the per-round ratios.
      expect(Object.keys(row.spread)).toEqual(["wallNsPerByte", "deviceNsPerByte", "boundNsPerByte", "boundRatio", "deviceBoundRatio", "cpuBoundRatio"]);
      for (const [k, [lo, mid, hi]] of Object.entries(row.spread as Record<string, number[]>))
        expect(lo > 0 && lo <= mid && mid <= hi && Number.isFinite(hi), k).toBe(true);
      for (const k of ["wallNsPerByte", "deviceNsPerByte", "boundNsPerByte"]) expect(row.spread[k][1], k).toBe(row[k]);
      // The ratios are the quotients of the figures they name (to the 4 significant digits kept).
      const near = (x: number, y: number) => Math.abs(x - y) <= 0.01 * Math.max(x, y);
      expect(near(row.boundRatio, row.wallNsPerByte / row.boundNsPerByte), "boundRatio").toBe(true);
      expect(near(row.deviceBoundRatio, row.deviceNsPerByte / row.boundNsPerByte), "deviceBoundRatio").toBe(true);
    }
  });
});

describe("profiles", () => {
  it("every shipped profile validates, with a cost and a wire section whose numbers all carry a source", () => {
    expect(Object.keys(PROFILES)).toEqual(["default", "credit-net-1997", "server-2025"]);
    for (const name of Object.keys(PROFILES)) {
      const p = getProfile(name);
      expect(p.name).toBe(name);
      for (const e of Object.values(p.wire!)) expect(e.source.trim().length).toBeGreaterThan(0);
    }
    expect(getProfile("default").wire!.mtu.value).toBe(1500);
    expect(getProfile("server-2025").wire!.mtu.value).toBe(9000);
    expect(getProfile("credit-net-1997").wire).toMatchObject({ cellPayload: { value: 48 }, cellSize: { value: 53 }, perFrameOverhead: { value: 8 } });
  });

  type Loose = Record<string, unknown> & { wire: Record<string, unknown>; costs: Record<string, unknown> };
  const base = () => structuredClone(getProfile("default")) as unknown as Loose;
  const rejected = (p: unknown): string => {
    try {
      validateProfile(p, "profile test", { wire: true });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error("the profile was accepted");
  };

  it("a profile missing a wire parameter, or its whole wire section, is rejected naming it", () => {
    for (const field of ["bandwidthBps", "latencyNs", "perFrameOverhead", "mtu"]) {
      const p = base();
      delete p.wire[field];
      expect(rejected(p)).toMatch(new RegExp(`wire\\.${field}: is missing`));
    }
    const p: Record<string, unknown> = base();
    delete p.wire;
    expect(rejected(p)).toMatch(/wire: is missing/);
  });

  it("a profile missing a cost is rejected naming it", () => {
    const p = base();
    delete p.costs.bytesCopied;
    expect(rejected(p)).toMatch(/costs\.bytesCopied: is missing/);
  });

  it("a malformed wire parameter is rejected naming the field", () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ bandwidthBps: { value: 0, source: "x" } }, /wire\.bandwidthBps\.value: must be a finite number > 0, got 0/],
      [{ mtu: { value: 9000.5, source: "x" } }, /wire\.mtu\.value: must be a finite integer in 68\.\.65535/],
      [{ mtu: { value: 70000, source: "x" } }, /wire\.mtu\.value/],
      [{ latencyNs: { value: 10, source: " " } }, /wire\.latencyNs\.source: must say where the number comes from/],
      [{ latencyNs: 10 }, /wire\.latencyNs: must be an object \{ value, source \}/],
      [{ cellPayload: { value: 48, source: "x" } }, /wire\.cellSize: must be given together/],
      [{ cellPayload: { value: 48, source: "x" }, cellSize: { value: 40, source: "x" } }, /wire\.cellSize\.value: must be >= cellPayload/],
      [{ jitterNs: { value: 1, source: "x" } }, /wire\.jitterNs: is not a wire parameter/],
    ];
    for (const [patch, msg] of cases) {
      const p = base();
      Object.assign(p.wire, patch);
      expect(rejected(p)).toMatch(msg);
    }
  });
});

describe("semantics names", () => {
  it("name the eight semantics of base/abi.ts in Sem order, and nothing else", () => {
    expect(SEMANTICS.map((s) => s.sem)).toEqual([Sem.COPY, Sem.EMULATED_COPY, Sem.SHARE, Sem.EMULATED_SHARE, Sem.MOVE, Sem.EMULATED_MOVE, Sem.WEAK_MOVE, Sem.EMULATED_WEAK_MOVE]);
    expect(semanticsByName("emulated-weak-move").sem).toBe(Sem.EMULATED_WEAK_MOVE);
    expect(() => semanticsByName("zero-copy")).toThrow(/unknown semantics "zero-copy"/);
  });
});

describe("genie bench peers", () => {
  it("prints {profile, workload, rows} with the contract's keys; io-lite is measured; a scheme that does not apply gives no row, its reason on stderr", () => {
    const r = genie("bench", "peers", "--workload", "bulk-datagram", "--schemes", "copy,msg-zerocopy,io-lite,zio", "--size", "16K", "--json");
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("zio: does not apply to bulk-datagram");
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(["profile", "workload", "rows"]);
    expect(doc.rows.map((x: { scheme: string }) => x.scheme)).toEqual(["copy", "msg-zerocopy", "io-lite"]);
    for (const row of doc.rows)
      expect(Object.keys(row)).toEqual(["workload", "scheme", "profile", "bytes", "simulatedUs", "throughputMbps", "cpuUs", "cpuBytesCopied", "pteWrites", "tlbShootdowns", "faults"]);
    expect(doc.rows[0].cpuBytesCopied).toBe(2 * 16384);
    expect(doc.rows[1].cpuBytesCopied).toBe(16384); // the receiver's copy only
    expect(doc.rows[2].cpuBytesCopied).toBe(16); // received in place into the pool's buffer: only two aggregates' slice
  });

  it("bench help lists every scheme and every workload; an unknown workload or scheme is a usage error", () => {
    const h = genie("bench", "help");
    expect(h.status).toBe(0);
    for (const name of ["io-lite", "zio", "sendfile", "splice", "msg-zerocopy", "emulated-weak-move", "bulk-datagram", "filenet", "fileserver", "cgi", "proxy", "kvset", "modify"])
      expect(h.stdout).toContain(name);
    expect(genie("bench", "peers", "--workload", "nope").status).toBe(2);
    expect(genie("bench", "peers", "--workload", "proxy", "--schemes", "zero").status).toBe(2);
  });
});

describe("npm run bench (build/cli/bench.mjs)", () => {
  const bench = (...args: string[]) => spawnSync(process.execPath, [join(root, "build", "cli", "bench.mjs"), ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  it("--help lists its options; a mistake is one line and a hint, exit 2, before anything runs", () => {
    const h = bench("--help");
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^Usage: npm run bench \[options\]/);
    for (const o of ["--docs", "--results-only", "--help"]) expect(h.stdout).toContain(o);
    const bad = bench("--doc");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("npm run bench: unknown option --doc (did you mean --docs?)\nrun 'npm run bench -- --help' for usage\n");
    expect(bench("now").stderr).toMatch(/^npm run bench: takes no arguments \(got now\)/);
  });
});
