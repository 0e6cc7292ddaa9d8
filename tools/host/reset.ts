// tools/host/reset.ts — kernel instances reset to their state just after boot and used again,
// instead of instantiated anew (docs/architecture.md §15).
//
// A kernel instance's whole state is its linear memory and its mutable globals (the function
// table never changes). Booting is deterministic: every instance of one module booted with the
// same frames and CPUs is, right after boot, in the same state. So the first such boot records
// that state (a snapshot), and an instance a finished machine gives back (Machine.dispose) is
// put back into it, exactly, when the next machine of that shape boots:
//
//   linear memory after boot                      restored from
//  +--------------------------------+ 0
//  | data, stack, heap              |             the snapshot (copied)
//  +--------------------------------+ ramBase
//  | RAM frames 0 .. hw             |             zero (fresh at boot)
//  | RAM frames hw+1 .. end         |             untouched: never allocated, so still zero
//  +--------------------------------+ ramBase + ramBytes
//  | frame table, pv pool           |             the snapshot (copied)
//  +--------------------------------+ memory size after boot
//
// hw is the highest frame ever allocated: frameAlloc bumps a frame's generation on every
// allocation (vm/frame.ts), so exactly the records of frames never allocated are still all
// zero, and the kernel and its devices write only frames it allocated. An instance whose
// memory grew after boot (its heap took more pages) or whose kernel panicked is not reused.
//
// Globals are not visible from outside a module, so the kernel loaders (loadKernel in
// tools/host/node.ts and tools/host/browser.ts) compile the kernel with one export more per
// mutable global (compileKernel, exportGlobals: "__g0", "__g1", ..., added to the binary's
// export section); a module without them is simply never reused.

import type { KernelExports } from "./kernel";
import { FRAME_META_SIZE, PAGE_SIZE } from "../../base/abi";

/** GLOBAL_PREFIX: the names exportGlobals gives the module's mutable globals. */
export const GLOBAL_PREFIX = "__g";

/** exportGlobals: the module binary with an export "__g<i>" added for each mutable global it
 *  defines (the rest unchanged); the binary as it was if it has no export section or imports
 *  globals. */
export function exportGlobals(bin: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  let p = 8;
  const uleb = (): number => {
    let v = 0, shift = 0, b: number;
    do { b = bin[p++]; v += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return v;
  };
  const skipName = () => { const n = uleb(); p += n; };
  const mutable: number[] = [];
  let exportAt = -1, exportEnd = 0, exportBody = 0;
  while (p < bin.length) {
    const sectionAt = p;
    const id = bin[p++], size = uleb(), start = p;
    if (id === 2) { // imports: refuse modules that import globals (indices would shift)
      for (let n = uleb(); n > 0; n--) {
        skipName(); skipName();
        const kind = bin[p++];
        if (kind === 3) return bin;
        if (kind === 0) uleb(); // a function: its type
        else if (kind === 1 || kind === 2) { // a table (reference type first) or a memory: limits
          if (kind === 1) p++;
          const hasMax = bin[p++] & 1;
          uleb();
          if (hasMax) uleb();
        } else return bin;
      }
    } else if (id === 6) { // globals: type, mutability, constant expression
      for (let n = uleb(), i = 0; i < n; i++) {
        p++;
        if (bin[p++] === 1) mutable.push(i);
        for (let op = bin[p++]; op !== 0x0b; op = bin[p++]) {
          if (op === 0x41 || op === 0x42) { while (bin[p++] & 0x80); }
          else if (op === 0x43) p += 4;
          else if (op === 0x44) p += 8;
          else if (op === 0x23 || op === 0xd2) uleb();
          else if (op === 0xd0) p++;
        }
      }
    } else if (id === 7) {
      exportAt = sectionAt;
      exportBody = start;
      exportEnd = start + size;
    }
    p = start + size;
  }
  if (exportAt < 0 || mutable.length === 0) return bin;
  // The export section again, with the globals' exports after the module's own.
  p = exportBody;
  const count = uleb();
  const body: number[] = [];
  putUleb(body, count + mutable.length);
  for (let i = p; i < exportEnd; i++) body.push(bin[i]);
  const enc = new TextEncoder();
  for (const g of mutable) {
    const name = enc.encode(GLOBAL_PREFIX + g);
    putUleb(body, name.length);
    body.push(...name, 3); // 3: a global
    putUleb(body, g);
  }
  const head = [7];
  putUleb(head, body.length);
  const out = new Uint8Array(exportAt + head.length + body.length + (bin.length - exportEnd));
  out.set(bin.subarray(0, exportAt), 0);
  out.set(head, exportAt);
  out.set(body, exportAt + head.length);
  out.set(bin.subarray(exportEnd), exportAt + head.length + body.length);
  return out;
}

/** compileKernel: compile a kernel module's binary, its globals exported (exportGlobals) so
 *  that its instances can be reset and reused; what every kernel loader (Node's, the
 *  browser's) calls. */
export function compileKernel(bin: Uint8Array<ArrayBuffer>): Promise<WebAssembly.Module> {
  return WebAssembly.compile(exportGlobals(bin));
}

/** putUleb: append v as an unsigned LEB128 number. */
function putUleb(out: number[], v: number): void {
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
}

/** The state of an instance right after boot, for instances of one module, frames and CPUs. */
interface BootImage {
  bytes: number; // linear memory size
  low: Uint8Array; // [0, ramBase)
  high: Uint8Array; // [ramBase + ramBytes, bytes)
  globals: (number | bigint)[];
}

/** A kernel instance given back, and what it is wired to. */
export interface Reusable<T> {
  k: KernelExports;
  wiring: T;
}

interface Shelf<T> {
  image: BootImage;
  idle: Reusable<T>[];
}

/** Instances kept idle at most, over all shapes (each holds its linear memory). */
const MAX_IDLE = 8;
const shelves = new WeakMap<WebAssembly.Module, Map<string, Shelf<unknown>>>();
let idleCount = 0;

const shapeKey = (frames: number, cpus: number) => `${frames}x${cpus}`;

/** Each instance's exported globals, found once (a kernel exports hundreds of names). */
const globalsFound = new WeakMap<KernelExports, WebAssembly.Global[] | null>();

function globalsOf(k: KernelExports): WebAssembly.Global[] | null {
  let found = globalsFound.get(k);
  if (found !== undefined) return found;
  const out: WebAssembly.Global[] = [];
  for (const [name, v] of Object.entries(k)) if (name.startsWith(GLOBAL_PREFIX)) out[Number(name.slice(GLOBAL_PREFIX.length))] = v as WebAssembly.Global;
  found = out.length > 0 ? out.filter((g) => g !== undefined) : null;
  globalsFound.set(k, found);
  return found;
}

/** recordBoot: k (of module) has just booted with frames and CPUs: remember its state as the
 *  shape's boot image, if the module exports its globals and no image is recorded yet. */
export function recordBoot(module: WebAssembly.Module, frames: number, cpus: number, k: KernelExports): void {
  let byShape = shelves.get(module);
  const key = shapeKey(frames, cpus);
  if (byShape?.has(key)) return;
  const globals = globalsOf(k);
  if (!globals) return;
  const buf = k.memory.buffer, ramBase = k.ramBase(), ramEnd = ramBase + k.ramBytes();
  const image: BootImage = {
    bytes: buf.byteLength,
    low: new Uint8Array(buf.slice(0, ramBase)),
    high: new Uint8Array(buf.slice(ramEnd)),
    globals: globals.map((g) => g.value),
  };
  if (!byShape) shelves.set(module, (byShape = new Map()));
  byShape.set(key, { image, idle: [] });
}

/** giveBack: a machine of this shape is done with k; keep it to reuse, unless its memory grew
 *  since boot (or no boot image of the shape is recorded, or enough are idle). */
export function giveBack<T>(module: WebAssembly.Module, frames: number, cpus: number, item: Reusable<T>): void {
  const shelf = shelves.get(module)?.get(shapeKey(frames, cpus));
  if (!shelf || idleCount >= MAX_IDLE || item.k.memory.buffer.byteLength !== shelf.image.bytes) return;
  (shelf as Shelf<T>).idle.push(item);
  idleCount++;
}

/** takeBooted: an idle instance of this shape, put back into its state right after boot; null
 *  if none is idle. */
export function takeBooted<T>(module: WebAssembly.Module, frames: number, cpus: number): Reusable<T> | null {
  const shelf = shelves.get(module)?.get(shapeKey(frames, cpus)) as Shelf<T> | undefined;
  const item = shelf?.idle.pop();
  if (!shelf || !item) return null;
  idleCount--;
  const { k } = item, image = shelf.image;
  const buf = k.memory.buffer, ramBase = k.ramBase(), ramEnd = ramBase + k.ramBytes();
  // Frames 0 .. hw were allocated at some time (their records are not all zero): zero them.
  const table = new Int32Array(buf, k.frameTablePtr(), frames * (FRAME_META_SIZE >> 2));
  let w = table.length - 1;
  while (w >= 0 && table[w] === 0) w--;
  const hw = Math.floor((w * 4) / FRAME_META_SIZE);
  new Uint8Array(buf, ramBase, (hw + 1) * PAGE_SIZE).fill(0);
  new Uint8Array(buf).set(image.low, 0);
  new Uint8Array(buf).set(image.high, ramEnd);
  const globals = globalsOf(k)!;
  for (let i = 0; i < globals.length; i++) globals[i].value = image.globals[i];
  return item;
}
