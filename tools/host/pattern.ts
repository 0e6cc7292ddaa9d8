// tools/host/pattern.ts — deterministic test bytes: what tests, benchmarks and demos send, and
// where received bytes first differ from them.

// The patterns made last, by "n seed": a benchmark sweep asks for the same few again and again,
// and copying one costs far less than generating it byte by byte.
const made = new Map<string, Uint8Array>();
const MADE_MAX = 16;

/** sharedPattern: pattern(n, seed) without the copy: the kept array itself, which the caller
 *  must only read (a run that sends the same bytes again and again allocates nothing). */
export function sharedPattern(n: number, seed = 1): Uint8Array {
  const key = `${n} ${seed}`;
  const known = made.get(key);
  if (known) return known;
  pattern(n, seed);
  return made.get(key)!;
}

/** pattern: n bytes that differ from their neighbours and from any shifted copy (xorshift);
 *  the caller's own array. */
export function pattern(n: number, seed = 1): Uint8Array {
  const key = `${n} ${seed}`;
  const known = made.get(key);
  if (known) return known.slice();
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  if (made.size >= MADE_MAX) made.delete(made.keys().next().value!);
  made.set(key, out.slice());
  return out;
}

/** firstDifference: the first index where a and b differ, or -1 if they are equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  if (((a.byteOffset | b.byteOffset) & 3) === 0) {
    // Four bytes at a time up to the first word that differs.
    const wa = new Int32Array(a.buffer, a.byteOffset, n >> 2), wb = new Int32Array(b.buffer, b.byteOffset, n >> 2);
    let w = 0;
    while (w < wa.length && wa[w] === wb[w]) w++;
    i = w << 2;
  }
  for (; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** complement: the bytes of a, each inverted (every byte differs from a's). */
export function complement(a: Uint8Array): Uint8Array {
  const out = a.slice();
  const words = new Int32Array(out.buffer, 0, out.length >> 2);
  for (let w = 0; w < words.length; w++) words[w] = ~words[w];
  for (let i = words.length << 2; i < out.length; i++) out[i] = ~out[i];
  return out;
}
