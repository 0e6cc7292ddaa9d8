// test/kernel/share-input-dropped.test.ts — a share receive whose buffer took a datagram the
// kernel then dropped keeps its buffer: the process still stores into its own frames in place.
//
// With early demultiplexing and header split the adapter lays a share receive's packets
// straight into the application's wired frames; the ring, then the packet, hold those frames as
// well. A packet dropped for a bad UDP checksum lets go of the frame while the receive still
// has it wired. That is the device letting go, not a process: the frame is not stranded (as a
// share sender's frame is once a copy-on-write sharer lets go of it, vm/frame.ts), so the
// receiver's writable mapping stays writable and the invariants hold (the fuzzer's shape, seed
// 20261204, program 284 shrunk).

import { describe, expect, it } from "vitest";
import { PAGE_SIZE, Sem } from "../../tools/host/index";
import { expectBytes, pattern } from "./machines";
import { pair } from "./netpair";

describe("share input: a dropped datagram in the receiver's own frames", () => {
  it("a datagram dropped for a bad UDP checksum after landing in a share receive's wired frame leaves that frame the receiver's to write in place; the invariants hold and the next datagram is received whole", async () => {
    const len = 17;
    const p = await pair({ mtu: 1500, headerSplit: true, checksumOffload: false, earlyDemux: true });
    const va = p.pa.mmap(PAGE_SIZE);
    p.pa.store(va, pattern(len, 3));
    const vb = p.pb.mmap(PAGE_SIZE);
    p.pb.store(vb, [0x55]);
    const rx = p.pb.postRecv(p.fb, vb, 285, { sem: Sem.SHARE });
    // Share output sums the data when it is sent (no offload); the store that follows reaches
    // the wire in place (the sender's own misuse), so the receiver finds the checksum bad.
    p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.SHARE });
    p.pa.store(va, [0xff]);
    p.a.world.run();
    expect(rx.ready).toBe(false);
    expect(p.b.drops()).toEqual({ BadUdpChecksum: 1 });
    p.b.check();
    p.pb.store(vb + 200, [0x77]); // its own buffer, while the receive still waits
    p.b.check();
    const good = pattern(len, 9);
    p.pa.store(va, good);
    p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_COPY });
    const r = rx.wait();
    p.a.world.run();
    expect(r.len).toBe(len);
    expectBytes(p.pb.load(vb, len), good);
    p.b.check();
  });
});
