// test/kernel/share-input-checksum.test.ts — a share receive's own stores into its buffer while
// the datagram is still arriving cannot cost it the datagram.
//
// With early demultiplexing the adapter lays a share receive's packets straight into the
// application's (wired) frames; a fragmented datagram waits there for its last fragment, and
// share lets the process store into its buffer meanwhile. Without checksum offload the CPU
// sums each such packet when it arrives, before the process runs again: a store can change
// only the bytes it wrote (the misuser's own result, docs/data-passing.md §4.4), never the UDP
// checksum of the datagram, which is verified over what the adapter wrote.

import { describe, expect, it } from "vitest";
import { PAGE_SIZE, Sem } from "../../tools/host/index";
import { expectBytes, pattern } from "./machines";
import { pair } from "./netpair";

describe("share input: stores while the datagram is in flight", () => {
  for (const headerSplit of [true, false]) {
    it(`a 4082-byte datagram (3 fragments, no checksum offload${headerSplit ? ", header split" : ""}) whose share receive's process stores into its buffer between fragments is delivered whole, not dropped for a bad checksum`, async () => {
      const len = 4082;
      const p = await pair({ mtu: 1500, headerSplit, checksumOffload: false, earlyDemux: true });
      const data = pattern(len, 7);
      const va = p.pa.mmap(len);
      p.pa.store(va, data);
      const vb = p.pb.mmap(2 * PAGE_SIZE);
      const rx = p.pb.postRecv(p.fb, vb + 0x123, len, { sem: Sem.SHARE });
      p.pa.sendto(p.fa, va, len, { ip: "10.0.0.2", port: 2000, sem: Sem.EMULATED_MOVE });
      // Run until the first fragment has been taken off b's ring, not the whole datagram.
      const rx0 = p.b.counters().packetsReceived;
      expect(p.a.world.runUntil(() => p.b.counters().packetsReceived > rx0)).toBe(true);
      expect(rx.ready).toBe(false);
      const stored = new Uint8Array(16).fill(0xee);
      p.pb.store(vb + 0x123 + 100, stored); // into the first fragment's data, now in place
      const r = rx.wait();
      p.a.world.run();
      expect(r.len).toBe(len);
      expect(p.b.drops()).toEqual({});
      expect(p.b.nics[0].stats.rxFallback).toBe(0); // every packet landed in the plan's buffers
      // The stored bytes are the misuser's: each holds the stored value or the datagram's.
      const got = p.pb.load(vb + 0x123, len);
      for (let i = 100; i < 116; i++) expect([data[i], 0xee]).toContain(got[i]);
      expectBytes(got.subarray(0, 100), data.subarray(0, 100));
      expectBytes(got.subarray(116), data.subarray(116));
    });
  }
});
