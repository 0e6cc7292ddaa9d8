import { describe, expect, it } from "vitest";
import { complement, firstDifference, pattern } from "../../tools/host/pattern";

describe("pattern bytes", () => {
  it("pattern gives the same bytes for the same length and seed, in a new array each time", () => {
    const a = pattern(1001, 7), b = pattern(1001, 7);
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    a[0] ^= 1; // changing one copy leaves the next call alone
    expect(pattern(1001, 7)[0]).toBe(b[0]);
    expect(pattern(1001, 8)).not.toEqual(b);
  });

  it("firstDifference finds the first unequal byte at any offset and alignment, and a length difference", () => {
    const a = pattern(103, 3);
    for (const at of [0, 1, 3, 4, 50, 99, 100, 102]) {
      const b = a.slice();
      b[at] ^= 0x40;
      expect(firstDifference(a, b)).toBe(at);
      expect(firstDifference(a.subarray(1), b.subarray(1))).toBe(at === 0 ? -1 : at - 1);
    }
    expect(firstDifference(a, a.slice())).toBe(-1);
    expect(firstDifference(a, a.subarray(0, 90))).toBe(90);
  });

  it("complement inverts every byte, the tail after the last whole word too", () => {
    const a = pattern(4099, 5), c = complement(a);
    expect(c.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(c[i]).toBe(~a[i] & 0xff);
  });
});
