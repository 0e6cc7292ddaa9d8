// The invariant check is exact under the schemes after Genie too (docs/peers.md): it reports
// nothing at any moment of a legal run. It runs on both machines after EVERY event and every
// kernel entry (World.watch) of
//   - every workload of the peers group (tools/scenarios/peers/) under every scheme it applies to:
//     copy, Genie's other semantics, MSG_ZEROCOPY, splice, sendfile, zIO, IO-Lite;
//   - the same workloads with their settings drawn at random: sizes, seeds, cost profiles, the
//     adapters' MTU, header split, checksum offload and early demultiplexing, each workload's own
//     knobs (hot set, copies, fraction touched, header, messages, SETs);
//   - random runs of the schemes with the program racing its output (test/kernel/peers-races.ts):
//     stores into pinned or spliced pages, unmapping, freeing IO-Lite buffers, writing,
//     truncating and storing through a mapping into a file under sendfile, splice or an IO-Lite
//     read, page-cache eviction, forking, two CPUs, senders and receivers exiting with output in
//     flight.
// Then: the check guards the file pages a pipe holds and sends (a forced writable PTE is reported).
// GENIE_EVERY_EVENT_SEEDS=n runs n random seeds of each kind instead of the few below.

import { describe, expect, it } from "vitest";
import { PEER_WORKLOADS, PEER_SCHEMES, resolveSettings, runScenario, type PeerWorkload, type SettingValue } from "../../tools/scenarios/index";
import { FRAME_META_SIZE, FrameField } from "../../base/abi";
import { InvariantViolation, PAGE_SIZE, Pte, Rng, SEMANTICS_NAMES, type Machine } from "../../tools/host/index";
import { pattern, world } from "./machines";
import { fileSender } from "./netpair";
import { RACES, RACE_SCHEMES, generate, runRaces, type Failure, type RaceRun } from "./peers-races";

const MORE = Number(process.env.GENIE_EVERY_EVENT_SEEDS ?? 0);
/** A run's time limit: generous (the machine may be shared), and more for more seeds. */
const LIMIT = 300_000 + MORE * 30_000;

/** everyEvent: run workload wl with settings (given ones, the rest defaults) in a fresh world of
 *  seed, with the registry's own every-event check (runScenario's everyEvent: both machines after
 *  every event and kernel entry); the failures and checks made. */
async function everyEvent(wl: PeerWorkload, given: Record<string, SettingValue>, seed: number): Promise<{ fails: Failure[]; checks: number }> {
  const settings = resolveSettings(wl.settings, given, wl.name);
  const w = await world(seed);
  const fails: Failure[] = [], every = { checks: 0 };
  try {
    await runScenario(wl, settings, w, {}, { scrub: true, everyEvent: every });
  } catch (err) {
    fails.push({ kind: err instanceof InvariantViolation ? "invariant" : "exception", msg: String((err as Error).stack ?? err).slice(0, 2000) });
  }
  return { fails, checks: every.checks };
}

/** small: each workload's size for the every-scheme run (5 pages and 100 bytes; filenet two datagrams). */
const small = (wl: PeerWorkload) => (wl.name === "filenet" ? 65536 + 100 : 5 * PAGE_SIZE + 100);

describe("the invariant check has no false positives under the schemes after Genie", () => {
  it("holds after every event and kernel entry of every peers workload under every scheme it applies to", async () => {
    let checks = 0;
    const schemes = new Set<string>();
    for (const wl of PEER_WORKLOADS) {
      for (const scheme of wl.schemes) {
        const r = await everyEvent(wl, { scheme, bytes: small(wl) }, 1);
        expect(r.fails.map((f) => `${f.kind}: ${f.msg}`), `${wl.name} under ${scheme}`).toEqual([]);
        expect(r.checks, `${wl.name} under ${scheme}`).toBeGreaterThan(50);
        checks += r.checks;
        schemes.add(scheme);
      }
    }
    for (const s of [...SEMANTICS_NAMES, ...PEER_SCHEMES]) expect(schemes).toContain(s);
    console.log(`invariant checks: ${checks} over ${[...PEER_WORKLOADS].reduce((n, w) => n + w.schemes.length, 0)} workload x scheme runs, 0 violations`);
  }, LIMIT);

  it("holds after every event and kernel entry of the workloads with random sizes, seeds, profiles, adapter features and workload settings", async () => {
    let checks = 0;
    const seen = { headerSplit: new Set<boolean>(), checksumOffload: new Set<boolean>(), earlyDemux: new Set<boolean>(), mtu: new Set<number>(), workloads: new Set<string>() };
    const seeds = MORE || 16;
    for (let seed = 1; seed <= seeds; seed++) {
      const { wl, given } = randomSettings(seed);
      const r = await everyEvent(wl, given, seed);
      expect(r.fails.map((f) => `${f.kind}: ${f.msg}`), `${wl.name} ${JSON.stringify(given)}`).toEqual([]);
      checks += r.checks;
      seen.headerSplit.add(given.headerSplit as boolean);
      seen.checksumOffload.add(given.checksumOffload as boolean);
      seen.earlyDemux.add(given.earlyDemux as boolean);
      seen.mtu.add(given.mtu as number);
      seen.workloads.add(wl.name);
    }
    for (const k of ["headerSplit", "checksumOffload", "earlyDemux"] as const) expect(seen[k].size, k).toBe(2);
    expect(seen.mtu.size).toBeGreaterThan(2);
    expect(seen.workloads.size).toBeGreaterThanOrEqual(Math.min(PEER_WORKLOADS.length, 6));
    console.log(`invariant checks: ${checks} over ${seeds} random workload runs, 0 violations`);
  }, LIMIT);

  it("holds after every event and kernel entry while programs race their output: stores into pinned pages, unmap, free, file writes and truncation, fork, exits on either side", async () => {
    const every = { checks: 0 }, seen = { datagrams: 0, verified: 0 };
    const raced = new Set<string>();
    let rxExits = 0, overlaps = 0;
    const cpus = new Set<number>();
    const seeds = MORE ? Array.from({ length: MORE }, (_, i) => i + 1) : RACE_SEEDS;
    for (const seed of seeds) {
      const r: RaceRun = generate(seed);
      cpus.add(r.cpusA);
      for (const op of r.ops) {
        raced.add(`${op.scheme}/${op.race}`);
        if (op.rxExit) rxExits++;
        if (op.overlap) overlaps++;
      }
      const fails = await runRaces(r, { everyEvent: every, seen });
      expect(fails.map((f) => `${f.kind}: ${f.msg}`), `race run ${seed}: ${JSON.stringify(r)}`).toEqual([]);
    }
    // The seeds cover every race of every scheme, receivers leaving, outputs overlapping.
    for (const s of RACE_SCHEMES) for (const race of RACES[s]) expect(raced, "the seeds' races").toContain(`${s}/${race}`);
    expect(rxExits).toBeGreaterThan(0);
    expect([...cpus].sort()).toEqual([1, 2]);
    expect(overlaps).toBeGreaterThan(10);
    expect(seen.verified).toBeGreaterThan(seen.datagrams / 2);
    expect(every.checks).toBeGreaterThan(5_000);
    console.log(`invariant checks: ${every.checks} over ${seeds.length} racing runs (${seen.datagrams} datagrams, ${seen.verified} byte-checked), 0 violations`);
  }, LIMIT);

  it("the every-event check sees a moment no end-of-run check sees: a count broken while a frame is pinned for output stops the run there, naming the machine and the time", async () => {
    // A stray reference put on a frame pinned by MSG_ZEROCOPY (by an observer, at the end of the
    // kernel entry that pinned it) is reported by the check that follows that entry; without the
    // every-event check the same run, the reference taken off again, passes.
    const wl = PEER_WORKLOADS.find((w) => w.name === "bulk-datagram")!;
    const settings = resolveSettings(wl.settings, { scheme: "msg-zerocopy", bytes: 3 * PAGE_SIZE }, wl.name);
    const run = async (check: boolean) => {
      const w = await world(3);
      let stray: { m: Machine; f: number; on: boolean } | null = null;
      const refs = (m: Machine, f: number) => m.k.frameTablePtr() + f * FRAME_META_SIZE + FrameField.REFS;
      const bump = (by: number) => {
        const d = new DataView(stray!.m.k.memory.buffer), at = refs(stray!.m, stray!.f);
        d.setUint16(at, d.getUint16(at, true) + by, true);
      };
      // The stray reference is there from the end of one kernel entry to the next event or entry.
      const takeOff = () => {
        if (stray?.on) { bump(-1); stray.on = false; }
      };
      w.observer = {
        event: takeOff,
        entry: (m) => {
          takeOff();
          if (stray || m !== w.machines[0]) return;
          const f = m.frameMap().findIndex((x) => x.wired > 0 && x.kind === "ANON");
          if (f < 0) return;
          stray = { m, f, on: true };
          bump(1);
        },
      };
      let error: unknown = null;
      try {
        await runScenario(wl, settings, w, {}, { scrub: false, everyEvent: check ? { checks: 0 } : undefined });
      } catch (err) {
        error = err;
      } finally {
        takeOff();
      }
      return { error, stray: stray !== null };
    };
    const checked = await run(true);
    expect(checked.stray).toBe(true);
    expect(checked.error).toBeInstanceOf(InvariantViolation);
    expect(String(checked.error)).toMatch(/a at t=\d+(\.\d+)? ns \(checked after every event and kernel entry\):\nframe \d+ \(kind 3\): refs \d+ but \d+ holders/);
    const unchecked = await run(false);
    expect(unchecked.stray).toBe(true);
    expect(unchecked.error).toBeNull(); // the stray reference is gone again before the run ends
  });
});

describe("the check guards the file pages a pipe holds and sends", () => {
  // A page-cache frame spliced into a pipe is under output: every mapping of it is write-protected
  // (TCOW) while the pipe holds it, and while the splice to the socket sends it. The check knows
  // those frames (kernel/pipe.ts and the splice's output request register them): a writable
  // mapping of one is reported; with the frame let go, the same mapping is legal again.
  it("a writable mapping of a file page queued in a pipe, or sent on from it, is reported; once the pipe and the NIC let go it is legal", async () => {
    const { world: w, a, pa, pb, fa, fb } = await fileSender(pattern(2 * PAGE_SIZE, 5), { seed: 9, memory: "8M", fileSystem: 2048 * PAGE_SIZE, wire: { bandwidthBps: 1e6 } });
    const fd = pa.open("/f", { read: true, write: true });
    const map = pa.mmap(2 * PAGE_SIZE, { fd, shared: true });
    pa.load(map, 2 * PAGE_SIZE);
    /** forceWritable: set the W bit of map's PTE behind the kernel's back; a function that puts it back. */
    const forceWritable = () => {
      const t = a.explain(pa.pid, map);
      const at = a.k.ramBase() + t.ptFrame * PAGE_SIZE + t.ptIndex * 4, d = new DataView(a.k.memory.buffer);
      const pte = d.getUint32(at, true);
      d.setUint32(at, pte | Pte.W, true);
      return () => d.setUint32(at, pte, true);
    };
    const reported = () => a.checkInvariants({ scrub: false }).report;
    const [pr, pw] = pa.pipe();
    expect(pa.splice(fd, pw, PAGE_SIZE, 0)).toBe(PAGE_SIZE);
    let undo = forceWritable();
    expect(reported()).toMatch(/frame under output is writable/); // held by the pipe
    undo();
    expect(reported()).toBe("");
    const rx = pb.postRecv(fb, pb.mmap(PAGE_SIZE), PAGE_SIZE);
    expect(pa.splice(pr, fa, PAGE_SIZE)).toBe(PAGE_SIZE); // the slow wire keeps it in flight
    undo = forceWritable();
    expect(reported()).toMatch(/frame under output is writable/); // held by the splice's output
    undo();
    rx.wait();
    w.run();
    undo = forceWritable(); // the output is over: a writable mapping of the page is legal again
    expect(reported()).toBe("");
    undo();
  });
});

/** randomSettings: a workload and settings drawn from seed (small enough for a test). */
function randomSettings(seed: number): { wl: PeerWorkload; given: Record<string, SettingValue> } {
  const rng = new Rng(seed * 7919);
  const pick = <T>(xs: readonly T[]): T => xs[rng.below(xs.length)];
  const wl = PEER_WORKLOADS[(seed - 1) % PEER_WORKLOADS.length];
  const scheme = pick(wl.schemes);
  const bytes = wl.name === "filenet" ? 1 + rng.below(3 * 65536) : pick([1 + rng.below(200), 1 + rng.below(PAGE_SIZE), PAGE_SIZE * (1 + rng.below(6)) + rng.below(PAGE_SIZE), 24 * PAGE_SIZE + rng.below(PAGE_SIZE)]);
  const given: Record<string, SettingValue> = {
    scheme, bytes, seed,
    profile: pick(["server-2025", "default", "credit-net-1997"]),
    mtu: pick([0, 576, 1500, 4000, 9000]),
    headerSplit: rng.below(2) === 0,
    checksumOffload: rng.below(2) === 0,
    earlyDemux: rng.below(2) === 0,
  };
  const own: Record<string, () => SettingValue> = {
    hotSet: () => 1 + rng.below(4),
    requests: () => 1 + rng.below(6),
    copies: () => rng.below(4),
    fraction: () => rng.below(101) / 100,
    messages: () => 1 + rng.below(3),
    header: () => 1 + rng.below(PAGE_SIZE),
    sets: () => 1 + rng.below(3),
  };
  for (const s of wl.settings) if (own[s.key]) given[s.key] = own[s.key]();
  return { wl, given };
}

// Racing seeds: among them every race of every scheme (the test asserts it); 3, 6 and 7 evict the
// page cache under the output (a few seconds each: the file read through is larger than RAM).
const RACE_SEEDS = [1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 74, 127, 368];
