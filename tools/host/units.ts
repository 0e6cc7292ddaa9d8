// tools/host/units.ts — simulated quantities as people read them (JSON and the API keep the
// raw numbers; only text for people goes through here).

const DURATION_UNITS: [number, string][] = [[1e9, "s"], [1e6, "ms"], [1e3, "µs"], [1, "ns"]];

/** fmtDuration: nanoseconds as three significant digits with a unit: 48368.4 -> "48.4 µs",
 *  557600 -> "558 µs", 1234567 -> "1.23 ms", 812 -> "812 ns", 0 -> "0 ns". */
export function fmtDuration(ns: number): string {
  if (!Number.isFinite(ns)) return `${ns} ns`;
  const abs = Math.abs(ns);
  let [scale, unit] = DURATION_UNITS.find(([s]) => abs >= s) ?? [1, "ns"];
  let v = ns / scale;
  const digits = (x: number) => (Math.abs(x) >= 100 || x === 0 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  // 999.96 µs rounds to "1000 µs": say "1.00 ms" instead
  if (Number(v.toFixed(digits(v))) >= 1000 && scale < 1e9) {
    [scale, unit] = DURATION_UNITS[DURATION_UNITS.findIndex(([s]) => s === scale) - 1];
    v = ns / scale;
  }
  return `${v.toFixed(digits(v))} ${unit}`;
}
