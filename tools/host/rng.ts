// tools/host/rng.ts — the World's deterministic random numbers (no wall clock, no Math.random).

/** A small, fast PRNG (mulberry32): the same seed gives the same sequence on every platform. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** next32: a uniformly distributed 32-bit unsigned integer. */
  next32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** next: a float in [0, 1). */
  next(): number {
    return this.next32() / 4294967296;
  }
  /** below: an integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** fork: an independent generator derived from this one (for a device or a wire). */
  fork(): Rng {
    return new Rng(this.next32() ^ 0x9e3779b9);
  }
}
