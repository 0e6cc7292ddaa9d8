// tools/host/inspect.ts — looking inside a machine without disturbing it: the frames map,
// page-table dumps, an MMU walk explained step by step, TLB contents.
//
// Everything here reads RAM and the frame table directly (no kernel entry, no faults, no
// counters touched), the way a debugger reads a stopped machine.

import { FRAME_META_SIZE, FrameField, FrameFlag, FrameKind, PAGE_SHIFT, PAGE_SIZE, PTES_PER_TABLE, Pte } from "../../base/abi";
import type { KernelExports } from "./kernel";

/** Inspected: what inspection reads of a machine: its kernel and how many frames it has. */
export interface Inspected {
  readonly k: KernelExports;
  readonly frames: number;
}

export interface FrameInfo {
  frame: number;
  kind: keyof typeof FrameKind;
  flags: string[];
  refs: number;
  outRef: number;
  inRef: number;
  wired: number;
  maps: number;
  owner: number;
  index: number;
}

export interface PageTableEntry {
  va: number;
  pte: number;
  frame: number;
  bits: string;
}

export interface Translation {
  va: number;
  pdFrame: number;
  pdIndex: number;
  pde: number;
  ptFrame: number;
  ptIndex: number;
  pte: number;
  present: boolean;
  frame: number;
  offset: number;
  pa: number;
  bits: string;
  /** The walk in words, one line per step. */
  text: string;
}

export interface TlbEntry {
  slot: number;
  asid: number;
  va: number;
  pte: number;
  frame: number;
  bits: string;
}

const BIT_NAMES: [number, string][] = [
  [Pte.P, "P"], [Pte.W, "W"], [Pte.U, "U"], [Pte.A, "A"], [Pte.D, "D"],
  [Pte.WIRE, "WIRE"], [Pte.COW, "COW"], [Pte.TCOW, "TCOW"], [Pte.HID, "HID"],
];

/** Every bit BIT_NAMES names. */
const NAMED_BITS = BIT_NAMES.reduce((all, [b]) => all | b, 0);
/** pteBits's answers so far, by the named bits set (a page table repeats a few combinations). */
const bitsText = new Map<number, string>();

/** pteBits: "P W U A" for the bits set in a PTE. */
export function pteBits(pte: number): string {
  const set = pte & NAMED_BITS;
  let text = bitsText.get(set);
  if (text === undefined) bitsText.set(set, (text = BIT_NAMES.filter(([b]) => set & b).map(([, n]) => n).join(" ")));
  return text;
}

function view(m: Inspected): DataView {
  return new DataView(m.k.memory.buffer);
}

/** frameInfo: the frame-table record of frame f. */
export function frameInfo(m: Inspected, f: number): FrameInfo {
  if (!Number.isInteger(f) || f < 0 || f >= m.frames) throw new RangeError(`frame ${f} is not in 0..${m.frames - 1}`);
  const d = view(m);
  const at = m.k.frameTablePtr() + f * FRAME_META_SIZE;
  const flags = d.getUint8(at + FrameField.FLAGS);
  return {
    frame: f,
    kind: FrameKind[d.getUint8(at + FrameField.KIND)] as keyof typeof FrameKind,
    flags: Object.entries(FrameFlag).filter(([k, v]) => typeof v === "number" && isNaN(Number(k)) && flags & v).map(([k]) => k),
    refs: d.getUint16(at + FrameField.REFS, true),
    outRef: d.getUint16(at + FrameField.OUTREF, true),
    inRef: d.getUint16(at + FrameField.INREF, true),
    wired: d.getUint16(at + FrameField.WIRED, true),
    maps: d.getUint16(at + FrameField.MAPS, true),
    owner: d.getUint32(at + FrameField.OWNER, true),
    index: d.getUint32(at + FrameField.INDEX, true),
  };
}

/** frameSummary: number of frames of each kind. */
export function frameSummary(m: Inspected): Record<string, number> {
  const d = view(m);
  const base = m.k.frameTablePtr();
  const out: Record<string, number> = {};
  for (let f = 0; f < m.frames; f++) {
    const k = FrameKind[d.getUint8(base + f * FRAME_META_SIZE + FrameField.KIND)];
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

function word(m: Inspected, pa: number): number {
  return view(m).getUint32(m.k.ramBase() + pa, true);
}

/** pageTable: every present PTE under directory frame pd, in address order. */
export function pageTable(m: Inspected, pd: number): PageTableEntry[] {
  const out: PageTableEntry[] = [];
  if (pd <= 0) return out;
  // One view of RAM for the whole walk (a table is read word by word).
  const d = view(m), ram = m.k.ramBase();
  for (let i = 0; i < PTES_PER_TABLE; i++) {
    const pde = d.getUint32(ram + pd * PAGE_SIZE + i * 4, true);
    if (!(pde & Pte.P)) continue;
    const pt = pde >>> PAGE_SHIFT;
    for (let j = 0; j < PTES_PER_TABLE; j++) {
      const pte = d.getUint32(ram + pt * PAGE_SIZE + j * 4, true);
      if (!(pte & Pte.P)) continue;
      out.push({ va: ((i << 22) | (j << 12)) >>> 0, pte, frame: pte >>> PAGE_SHIFT, bits: pteBits(pte) });
    }
  }
  return out;
}

const hex = (n: number, w = 8) => "0x" + (n >>> 0).toString(16).padStart(w, "0");

/** explain: the two-level walk for va under directory pd, as data and as text. */
export function explain(m: Inspected, pd: number, va: number): Translation {
  va >>>= 0;
  const pdIndex = va >>> 22, ptIndex = (va >>> 12) & 1023, offset = va & 4095;
  const t: Translation = { va, pdFrame: pd, pdIndex, pde: 0, ptFrame: 0, ptIndex, pte: 0, present: false, frame: 0, offset, pa: -1, bits: "", text: "" };
  const lines = [`va ${hex(va)} = PD index ${pdIndex} | PT index ${ptIndex} | offset ${hex(offset, 3)}`];
  if (pd <= 0) {
    t.text = lines.concat("no address space (process not alive)").join("\n");
    return t;
  }
  t.pde = word(m, pd * PAGE_SIZE + pdIndex * 4);
  lines.push(`PDE at pa ${hex(pd * PAGE_SIZE + pdIndex * 4)} (directory frame ${pd}, entry ${pdIndex}) = ${hex(t.pde)} [${pteBits(t.pde)}]`);
  if (!(t.pde & Pte.P)) {
    t.text = lines.concat("PDE not present: no page table covers this 4 MiB; an access faults").join("\n");
    return t;
  }
  t.ptFrame = t.pde >>> PAGE_SHIFT;
  t.pte = word(m, t.ptFrame * PAGE_SIZE + ptIndex * 4);
  t.bits = pteBits(t.pte);
  lines.push(`PTE at pa ${hex(t.ptFrame * PAGE_SIZE + ptIndex * 4)} (table frame ${t.ptFrame}, entry ${ptIndex}) = ${hex(t.pte)} [${t.bits}]`);
  if (!(t.pte & Pte.P)) {
    t.text = lines.concat("PTE not present: an access faults").join("\n");
    return t;
  }
  t.present = true;
  t.frame = t.pte >>> PAGE_SHIFT;
  t.pa = t.frame * PAGE_SIZE + offset;
  const rw = t.pte & Pte.W ? "read/write" : t.pte & Pte.COW ? "read-only (copy-on-write)" : t.pte & Pte.TCOW ? "read-only (TCOW: output pending)" : "read-only";
  lines.push(`frame ${t.frame} + offset ${hex(offset, 3)} = pa ${hex(t.pa)}, ${rw}`);
  t.text = lines.join("\n");
  return t;
}

/** tlbEntries: the valid entries of a CPU's TLB. */
export function tlbEntries(m: Inspected, cpu: number): TlbEntry[] {
  const out: TlbEntry[] = [];
  for (let i = 0; i < 64; i++) {
    const pte = m.k.tlbEntry(cpu, i, 1) >>> 0;
    if (!pte) continue;
    const tag = m.k.tlbEntry(cpu, i, 0) >>> 0;
    out.push({ slot: i, asid: tag >>> 20, va: ((tag & 0xfffff) << 12) >>> 0, pte, frame: pte >>> PAGE_SHIFT, bits: pteBits(pte) });
  }
  return out;
}
