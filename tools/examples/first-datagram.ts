// tools/examples/first-datagram.ts — a first session with the host library (npm run example).
import { connect, ETHERNET, fmtDuration, PAGE_SIZE, Sem, World } from "../host/index";
import { loadKernel } from "../host/node";

const world = new World({ kernel: await loadKernel(), seed: 1 });
const m = await world.machine({ memory: "16M", cpus: 2 });
const p = m.spawn();
const va = p.mmap(4 * PAGE_SIZE);      // addresses only: no frame yet
p.store(va, [1, 2, 3]);                 // demand-zero fault, through the MMU
const child = p.fork();                 // frames shared copy-on-write
child.store(va, [9]);                   // one page copied
console.log(`copy-on-write: ${m.counters().bytesCopied} bytes copied`);
console.log(m.explain(child.pid, va).text);   // the PD -> PT -> frame walk, in words
m.check();                              // every kernel invariant holds (throws otherwise)

// Two machines on a wire, one datagram under emulated copy (TCOW on the way out, page
// swapping on the way in).
const a = await world.machine({ name: "a" }), b = await world.machine({ name: "b" });
const nic = (ip: string) => ({ ip, mtu: 9000, headerSplit: true, checksumOffload: true, earlyDemux: true });
connect(a.attachNic(nic("10.0.0.1")), b.attachNic(nic("10.0.0.2")),
        { bandwidthBps: 1e9, latencyNs: 10_000, ...ETHERNET });   // pcap: new PcapWriter() to capture
const pa = a.spawn(), pb = b.spawn();
const fa = pa.socket(), fb = pb.socket();
pa.bind(fa, 1000); pb.bind(fb, 2000);
const src = pa.mmap(65536), dst = pb.mmap(65536);
pa.fill(src, 65536, 7);
const rx = pb.postRecv(fb, dst, 65536, { sem: Sem.EMULATED_COPY });        // receive posted first
pa.sendto(fa, src, 65536, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
const got = rx.wait();                  // the world runs until the datagram is in
console.log(`datagram: ${got.len} bytes in at ${fmtDuration(got.at)} (simulated), ` +
            `a copied ${a.counters().bytesCopied} bytes, b swapped ${b.counters().pageSwaps} pages`);
