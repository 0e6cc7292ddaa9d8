// tools/host/pattern.ts — deterministic test bytes: what tests, benchmarks and demos send, and
// where received bytes first differ from them.

/** The last pattern made (a run made again, as the playground's time travel does, asks for the same one). */
let last: { n: number; seed: number; bytes: Uint8Array } | null = null;

/** pattern: n bytes that differ from their neighbours and from any shifted copy (xorshift); a new array each call. */
export function pattern(n: number, seed = 1): Uint8Array {
  if (last && last.n === n && last.seed === seed) return last.bytes.slice();
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  last = { n, seed, bytes: out.slice() };
  return out;
}

/** firstDifference: the first index where a and b differ, or -1 if they are equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  // Four bytes at a time while both are 4-aligned; the bytes of the first unequal word one by one.
  if ((a.byteOffset & 3) === 0 && (b.byteOffset & 3) === 0) {
    const wa = new Uint32Array(a.buffer, a.byteOffset, n >>> 2), wb = new Uint32Array(b.buffer, b.byteOffset, n >>> 2);
    let w = 0;
    while (w < wa.length && wa[w] === wb[w]) w++;
    i = w << 2;
  }
  for (; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** complement: every byte of a inverted (~), in a new array. */
export function complement(a: Uint8Array): Uint8Array {
  const out = a.slice();
  const words = new Uint32Array(out.buffer, 0, out.length >>> 2);
  for (let w = 0; w < words.length; w++) words[w] = ~words[w];
  for (let i = words.length << 2; i < out.length; i++) out[i] = ~out[i];
  return out;
}
