// vm/tally.ts — how the structures that hold frames count them for the invariant check
// (vm/check.ts): each holding adds one to a per-frame tally the check hands them.
//
// A check counts only frames below a limit: every frame for the check that walks them all, the
// frames allocated so far for the quick one (vm/check.ts, at every step in the playground). A
// holding at or past the limit is a stray: nothing is written for it, and the check that saw
// one walks every frame again (a frame number past the end of RAM is reported as such).

/** A tally: one u32 per frame, in memory claimed at boot (vm/check.ts, checkInit). */
export type Tally = usize;

let limit: u32 = 0;
let strays: u32 = 0;

/** tallyBegin: from now on tallies count frames 0 .. lim - 1; no stray seen yet. */
export function tallyBegin(lim: u32): void {
  limit = lim;
  strays = 0;
}

/** tallyStrays: holdings of frames at or past the limit since tallyBegin. */
export function tallyStrays(): u32 {
  return strays;
}

/** tallyOf: t's count for frame f. */
// @ts-ignore: decorator
@inline export function tallyOf(t: Tally, f: u32): u32 {
  return load<u32>(at(t, f));
}

/** hold: one more holding of frame f in tally t. */
// @ts-ignore: decorator
@inline export function hold(t: Tally, f: u32): void {
  if (f < limit) store<u32>(at(t, f), tallyOf(t, f) + 1);
  else strays++;
}

/** lend: frame f lent for writing to address space asid, in tally t. */
// @ts-ignore: decorator
@inline export function lend(t: Tally, f: u32, asid: u32): void {
  if (f < limit) store<u32>(at(t, f), asid);
  else strays++;
}

/** at: where t keeps frame f's count. */
// @ts-ignore: decorator
@inline function at(t: Tally, f: u32): usize {
  return t + (<usize>f << 2);
}
