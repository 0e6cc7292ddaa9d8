// tools/host/hw/csum.ts — the NIC's checksum engine (csum.wat), bound to one machine's RAM.
//
// The adapter's checksum offload sums packets where they lie in RAM, at native speed: the
// engine is a small WebAssembly module that shares the kernel's linear memory. Its bytes come
// from csum-wasm.ts (assembled at build time), so loading it needs no file access.

import { CSUM_WASM } from "./csum-wasm";

export interface CsumEngine {
  /** sum: one's-complement sum of linear memory [ptr, ptr + len) as big-endian 16-bit words,
   *  taken from an even message offset (see csum.wat); 0 for len 0. */
  sum(ptr: number, len: number): number;
}

let compiled: WebAssembly.Module | null = null;
const engines = new WeakMap<WebAssembly.Memory, CsumEngine>();

/** csumEngine: an engine that sums the bytes of memory (the module is compiled once, and
 *  instantiated once per memory: the NICs of a machine, and a reused kernel instance, share it). */
export function csumEngine(memory: WebAssembly.Memory): CsumEngine {
  let e = engines.get(memory);
  if (!e) {
    compiled ??= new WebAssembly.Module(Uint8Array.from(atob(CSUM_WASM), (c) => c.charCodeAt(0)));
    e = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as CsumEngine;
    engines.set(memory, e);
  }
  return e;
}

/** csumAdd: partial sum `sum` plus `part`, the sum of a range that starts at message offset `at`
 *  (a range at an odd offset has its bytes in the other halves of the words: swap them). */
export function csumAdd(sum: number, part: number, at: number): number {
  if (at & 1) part = ((part & 0xff) << 8) | (part >>> 8);
  const s = sum + part;
  return (s & 0xffff) + (s >>> 16);
}
