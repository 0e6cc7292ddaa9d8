// tools/cli/demo.ts — `genie demo`: boot a machine and narrate what the kernel does.

import { connect, ETHERNET, fmtDuration, Kill, PAGE_SIZE, Prot, SegmentationFault, Sem, World, diffCounters, type Counters, type Machine, type PcapWriter } from "../host/index";
import { loadKernel } from "../host/node";

function changed(a: Counters, b: Counters): string {
  const d = diffCounters(a, b);
  return Object.entries(d).filter(([, v]) => v !== 0).map(([k, v]) => `${k} +${v}`).join(", ") || "(nothing)";
}

/** runDemo: the scripted tour; returns the lines it printed. */
export async function runDemo(out: (line: string) => void = console.log): Promise<void> {
  const world = new World({ kernel: await loadKernel(), seed: 1 });
  const m: Machine = await world.machine({ memory: "16M", cpus: 2 });
  out(`Booted ${m.name}: ${m.frames} frames of 4 KiB (${(m.frames * PAGE_SIZE) >> 20} MiB), ${m.cpus} CPUs, profile "${m.profile.name}".`);
  out(`Frames: ${JSON.stringify(m.frameSummary())}`);

  const p = m.spawn({ cpu: 0 });
  const va = p.mmap(4 * PAGE_SIZE);
  out(`\nProcess ${p.pid} mapped 4 pages at 0x${va.toString(16)}; no frame is used until a page is touched.`);
  let c = m.counters();
  p.store(va, new TextEncoder().encode("hello, genie"));
  out(`It stored 12 bytes at the first page: ${changed(c, (c = m.counters()))}`);
  out(m.explain(p.pid, va).text.replace(/^/gm, "    "));

  const child = p.fork();
  out(`\nfork -> child ${child.pid}: it shares frame ${child.frameAt(va)} with its parent, read-only, copy-on-write.`);
  out(`    parent PTE [${m.explain(p.pid, va).bits}], child PTE [${m.explain(child.pid, va).bits}]`);
  c = m.counters();
  child.store(va, new TextEncoder().encode("HELLO"));
  out(`The child writes: ${changed(c, (c = m.counters()))}`);
  out(`    child now has frame ${child.frameAt(va)}; parent keeps frame ${p.frameAt(va)}.`);
  out(`    parent reads "${new TextDecoder().decode(p.load(va, 12))}", child reads "${new TextDecoder().decode(child.load(va, 12))}"`);

  child.setCpu(1);
  c = m.counters();
  child.munmap(va, PAGE_SIZE);
  out(`\nThe child moves to CPU 1 and unmaps the page: ${changed(c, (c = m.counters()))}`);
  out(`    (its TLB entries may be cached on CPU 0 too, so CPU 0 gets a shootdown)`);

  const ro = p.mmap(PAGE_SIZE, { prot: Prot.READ });
  try {
    p.store(ro, [1]);
  } catch (e) {
    if (e instanceof SegmentationFault) out(`\nThe parent writes to a read-only page: ${e.message}.`);
  }
  out(`    parent is ${p.alive ? "alive" : `dead (${Kill[p.killReason]})`}; the machine lives on.`);
  child.exit(0);
  child.reap();
  p.reap();

  const { violations, report } = m.checkInvariants();
  out(`\nAfter both processes are gone: ${m.freeFrames} of ${m.frames - 1} frames free; invariant check: ${violations === 0 ? "all hold" : report}`);
  out(`Simulated time: CPU 0 busy until ${fmtDuration(m.cpuFree[0])}, CPU 1 until ${fmtDuration(m.cpuFree[1])}.`);
}

/** runNetDemo: two machines on a wire; one 64 KiB datagram under each of a few semantics, each
 *  run's frames into the writer capture() gives, if given (one world after the other). */
export async function runNetDemo(out: (line: string) => void = console.log, capture?: () => PcapWriter): Promise<void> {
  out(`\nTwo machines, one wire (1 Gbit/s, 10 µs), NICs with header split, checksum offload and early demultiplexing.`);
  out(`A process on each; one 64 KiB datagram, page-aligned, the receive posted first:\n`);
  out(`  semantics          latency   CPU bytes copied   page swaps   PTE writes   shootdowns`);
  for (const sem of [Sem.COPY, Sem.EMULATED_COPY, Sem.SHARE, Sem.MOVE]) {
    const world = new World({ kernel: await loadKernel(), seed: 1 });
    const a = await world.machine({ name: "a" }), b = await world.machine({ name: "b" });
    const nic = (ip: string) => ({ ip, mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true });
    connect(a.attachNic(nic("10.0.0.1")), b.attachNic(nic("10.0.0.2")), { bandwidthBps: 1e9, latencyNs: 10_000, ...ETHERNET, pcap: capture?.() });
    const pa = a.spawn(), pb = b.spawn();
    const fa = pa.socket(), fb = pb.socket();
    pa.bind(fa, 1000);
    pb.bind(fb, 2000);
    const len = 65536;
    const va = pa.mmap(len), vb = pb.mmap(len);
    pa.fill(va, len, 0x5a);
    pb.fill(vb, len, 0);
    world.run();
    const ca = a.counters(), cb = b.counters();
    const move = sem === Sem.MOVE;
    const rx = pb.postRecv(fb, move ? 0 : vb, len, { sem });
    const t0 = Math.max(pa.clock, world.now);
    pa.clock = t0;
    pa.sendto(fa, va, len, { ip: "10.0.0.2", port: 2000, sem });
    const got = rx.wait();
    world.run();
    const da = diffCounters(ca, a.counters()), db = diffCounters(cb, b.counters());
    const ok = pb.load(move ? got.va : vb, len).every((x) => x === 0x5a);
    const col = (v: number | string, w: number) => String(v).padStart(w);
    out(`  ${Sem[sem].toLowerCase().replace("_", "-").padEnd(16)} ${col(fmtDuration(got.at - t0), 9)} ${col(da.bytesCopied + db.bytesCopied, 18)} ${col(da.pageSwaps + db.pageSwaps, 12)} ${col(da.pteWrites + db.pteWrites, 12)} ${col(da.tlbShootdowns + db.tlbShootdowns, 12)}${ok ? "" : "   BYTES DIFFER"}`);
    for (const m of [a, b]) m.check();
  }
  out(`\nCopy moves every byte through both CPUs; emulated copy protects the sender's pages (TCOW) and`);
  out(`swaps the receiver's; share pins pages and lets the NIC write in place; move hands pages over.`);
}
