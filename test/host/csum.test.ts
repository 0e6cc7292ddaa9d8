// The NIC's checksum engine (tools/host/hw/csum.wat): the one's-complement sum of any range of
// a machine's memory, equal to the RFC 1071 definition whatever the length, the alignment or
// the contents; and the module the host loads is the one its source assembles to.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { csumAdd, csumEngine } from "../../tools/host/hw/csum";
import { HW_MODULES, hwModuleText } from "../../tools/build/hw.mjs";

/** reference: RFC 1071 by the book: big-endian 16-bit words (an odd last byte padded with zero),
 *  added with end-around carry. */
function reference(b: Uint8Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i += 2) {
    s += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
    s = (s & 0xffff) + (s >>> 16);
  }
  return s;
}

function machineMemory(pages: number, fill: (i: number) => number) {
  const memory = new WebAssembly.Memory({ initial: pages });
  const bytes = new Uint8Array(memory.buffer);
  for (let i = 0; i < bytes.length; i++) bytes[i] = fill(i);
  return { memory, bytes, engine: csumEngine(memory) };
}

describe("checksum engine", () => {
  const { bytes, engine } = machineMemory(2, (i) => (i * 2654435761) >>> 24);

  it("sums every length 0..300 from every offset 0..16 as RFC 1071 does", () => {
    for (let p = 0; p <= 16; p++)
      for (let n = 0; n <= 300; n++) expect(engine.sum(p, n), `sum(${p}, ${n})`).toBe(reference(bytes, p, p + n));
  });

  it("an empty range sums to 0; one byte is the high byte of a word", () => {
    expect(engine.sum(100, 0)).toBe(0);
    bytes[7] = 0xab;
    expect(engine.sum(7, 1)).toBe(0xab00);
  });

  it("long ranges (jumbo frames, odd start and length) agree with the reference", () => {
    for (const [p, n] of [[1, 9001], [3, 65535], [0, 65536], [5, 100_001]]) expect(engine.sum(p, n)).toBe(reference(bytes, p, p + n));
  });

  it("no carry is lost: 1 MiB of 0xff bytes (beyond one 512 KiB chunk of the bulk loop) sums to 0xffff", () => {
    const big = machineMemory(17, () => 0xff);
    expect(big.engine.sum(0, 1 << 20)).toBe(0xffff);
    expect(big.engine.sum(3, (1 << 20) + 5)).toBe(reference(big.bytes, 3, 3 + (1 << 20) + 5));
  });

  it("sees memory the kernel has grown since the engine was made", () => {
    const m = machineMemory(1, () => 1);
    m.memory.grow(1);
    const now = new Uint8Array(m.memory.buffer);
    now.fill(2, 65536);
    expect(m.engine.sum(65536, 4)).toBe(0x0404);
  });

  it("pieces added at their message offsets (csumAdd) give the sum of the whole", () => {
    const whole = reference(bytes, 40, 1040);
    for (const cut of [1, 2, 333, 334, 999]) {
      const sum = csumAdd(csumAdd(0, engine.sum(40, cut), 0), engine.sum(40 + cut, 1000 - cut), cut);
      expect(sum, `cut at ${cut}`).toBe(whole);
    }
  });

  it("the module the host loads is what tools/host/hw/csum.wat assembles to (run npm run build after editing it)", async () => {
    for (const m of HW_MODULES) expect(readFileSync(m.ts, "utf8"), m.ts).toBe(await hwModuleText(m));
  });
});
