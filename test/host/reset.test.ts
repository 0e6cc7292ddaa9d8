// Reusing kernel instances (tools/host/reset.ts): a machine booted on the instance a disposed
// machine gave back is, byte for byte and global for global, the machine a new instance boots.

import { describe, expect, it } from "vitest";
import { SEMANTICS, World, type KernelExports } from "../../tools/host/index";
import { loadKernel } from "../../tools/host/node";
import { DatagramPair } from "../../tools/bench/datagram";
import { checked } from "../setup/checked";

/** state: the whole state of a kernel instance: its memory and its exported globals. */
function state(k: KernelExports): { memory: Uint8Array; globals: unknown[] } {
  const globals = Object.entries(k).filter(([n]) => n.startsWith("__g")).map(([, g]) => (g as WebAssembly.Global).value);
  return { memory: new Uint8Array(k.memory.buffer.slice(0)), globals };
}

describe("kernel instances reset and reused", () => {
  it("after datagrams under every semantics, a disposed pair's instance boots a machine identical to one on a new instance", async () => {
    const kernel = await loadKernel("release");
    const opts = { profile: "server-2025", bytes: 65536, mtu: 9000, checksumOffload: true, headerSplit: true, earlyDemux: true, kernel };
    const pair = await DatagramPair.create(opts);
    for (const s of SEMANTICS) pair.transfer(s);
    // Not checked as they are disposed of (test/setup): the check's report grows the kernel's heap,
    // and a grown instance is not reused. The machines booted on the instances are checked.
    checked(pair.a);
    checked(pair.b);
    const used = pair.b.k, memory = pair.b.frames * 4096;
    pair.dispose();
    expect(() => pair.b.spawn()).toThrow(/disposed/);
    const reused = await new World({ kernel }).machine({ memory, profile: "server-2025" });
    const other = await new World({ kernel }).machine({ memory, profile: "server-2025" });
    const fresh = other.k === used ? await new World({ kernel }).machine({ memory, profile: "server-2025" }) : other;
    expect([reused.k, other.k]).toContain(used);
    const a = state(used), b = state(fresh.k === used ? reused.k : fresh.k);
    expect(a.globals.length).toBeGreaterThan(0);
    expect(a.globals).toEqual(b.globals);
    expect(a.memory.length).toBe(b.memory.length);
    expect(Buffer.compare(a.memory, b.memory)).toBe(0);
  });
});
