// tools/host/counters.ts — kernel counters by name.
//
// Names come from base/abi.ts (Counter), lower-camel-cased: Counter.BytesCopied is
// "bytesCopied". The kernel keeps them as u64; the host reads them as numbers (exact < 2^53).

import { Counter } from "../../base/abi";

export type CounterName =
  Exclude<keyof typeof Counter, "COUNT"> extends infer K extends string ? Uncapitalize<K> : never;
export type Counters = Record<CounterName, number>;

/** COUNTER_NAMES[i]: the name of counter i. */
export const COUNTER_NAMES: CounterName[] = Array.from({ length: Counter.COUNT }, (_, i) =>
  (Counter[i][0].toLowerCase() + Counter[i].slice(1)) as CounterName);

/** readCounters: every counter of a kernel, by name, from the u64 array at ptr. */
export function readCounters(memory: WebAssembly.Memory, ptr: number): Counters {
  const raw = new BigUint64Array(memory.buffer, ptr >>> 0, Counter.COUNT);
  const out = {} as Counters;
  for (let i = 0; i < Counter.COUNT; i++) out[COUNTER_NAMES[i]] = Number(raw[i]);
  return out;
}

/** diffCounters: b - a, counter by counter. */
export function diffCounters(a: Counters, b: Counters): Counters {
  const out = {} as Counters;
  for (const n of COUNTER_NAMES) out[n] = b[n] - a[n];
  return out;
}
