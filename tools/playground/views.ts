// tools/playground/views.ts — the page's view models: pure functions from what the worker
// reports (engine.ts) to what is drawn (no DOM here; test/unit/playground-views.test.ts).

import { FrameClass, Mark } from "./engine";
import type { Step } from "./engine";

/** CLASS_COLORS: the colour of each FrameClass on the frames map (light and dark alike: each
 *  reads on both themes' backgrounds; zIO's, OWED, is also the page-table view's owed pages,
 *  style.css --zio). */
export const CLASS_COLORS: Record<number, [number, number, number]> = {
  [FrameClass.FREE]: [200, 204, 210],
  [FrameClass.KERNEL]: [90, 90, 110],
  [FrameClass.PAGETABLE]: [150, 90, 200],
  [FrameClass.ANON]: [70, 140, 220],
  [FrameClass.PAGECACHE]: [60, 170, 110],
  [FrameClass.IOBUF]: [225, 195, 60],
  [FrameClass.OUTPUT]: [255, 70, 0],
  [FrameClass.INPUT]: [40, 200, 200],
  [FrameClass.WIRED]: [220, 60, 150],
  [FrameClass.ORPHAN]: [120, 0, 0],
  [FrameClass.IOLITE]: [245, 150, 110],
  [FrameClass.OWED]: [160, 215, 40],
};

export const css = (c: [number, number, number]) => `rgb(${c[0]},${c[1]},${c[2]})`;

/** FRAMEMAP_WIDTH: the width in CSS pixels a frames map is shown at (its grid fits in it). */
export const FRAMEMAP_WIDTH = 410;

/** gridOf: columns, rows and cell size (px) of a frames map of n frames at most width px wide. */
export function gridOf(n: number, width: number): { cols: number; rows: number; cell: number } {
  const cols = Math.max(16, Math.min(256, Math.ceil(Math.sqrt(n * 2) / 16) * 16));
  const cell = Math.max(1, Math.floor(width / cols));
  return { cols, rows: Math.ceil(n / cols), cell };
}

/** paintFrames: RGBA pixels, one per frame (row-major, cols wide), of classes. */
export function paintFrames(classes: Uint8Array, cols: number, rows: number): Uint8ClampedArray<ArrayBuffer> {
  const px = new Uint8ClampedArray(cols * rows * 4);
  for (let f = 0; f < classes.length; f++) paintFrame(px, f, classes[f]);
  return px;
}

/** paintFrame: frame f's pixel of px (see paintFrames) in the colour of class c. */
export function paintFrame(px: Uint8ClampedArray, f: number, c: number): void {
  const rgb = CLASS_COLORS[c] ?? [0, 0, 0];
  const o = f * 4;
  px[o] = rgb[0];
  px[o + 1] = rgb[1];
  px[o + 2] = rgb[2];
  px[o + 3] = 255;
}

/** classCounts: frames of each FrameClass. */
export function classCounts(classes: Uint8Array): number[] {
  const out = new Array(FrameClass.COUNT).fill(0);
  for (let i = 0; i < classes.length; i++) out[classes[i]]++;
  return out;
}

/** changedFrames: frames whose class differs between a and b (same length), in order. */
export function changedFrames(a: Uint8Array | undefined, b: Uint8Array): number[] {
  const out: number[] = [];
  if (!a || a.length !== b.length) return out;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

// ---- Packets -------------------------------------------------------------------------------

export interface DecodedPacket {
  len: number;
  eth: { dst: string; src: string; type: string };
  ip?: {
    src: string; dst: string; id: number; ttl: number; proto: number; totalLen: number; fragOffset: number; moreFragments: boolean; headerLen: number; checksum: string;
    /** The jumbogram option (net/jumbo.ts): the datagram's length; fragOffset then comes from it. */
    jumboLen?: number;
  };
  udp?: { srcPort: number; dstPort: number; len: number; checksum: string };
  /** Offset of the payload (after the last header decoded). */
  payloadAt: number;
  summary: string;
}

const mac = (b: Uint8Array, at: number) => Array.from(b.subarray(at, at + 6), (x) => x.toString(16).padStart(2, "0")).join(":");
const ip4 = (b: Uint8Array, at: number) => Array.from(b.subarray(at, at + 4)).join(".");
const u16 = (b: Uint8Array, at: number) => (b[at] << 8) | b[at + 1];
const hex16 = (n: number) => "0x" + n.toString(16).padStart(4, "0");

/** decodePacket: an Ethernet frame's Ethernet, IPv4 and UDP headers, as far as they are there. */
export function decodePacket(b: Uint8Array): DecodedPacket {
  const p: DecodedPacket = { len: b.length, eth: { dst: "", src: "", type: "" }, payloadAt: 0, summary: "" };
  if (b.length < 14) {
    p.summary = `runt frame (${b.length} bytes)`;
    return p;
  }
  const type = u16(b, 12);
  p.eth = { dst: mac(b, 0), src: mac(b, 6), type: type === 0x0800 ? "IPv4" : hex16(type) };
  p.payloadAt = 14;
  if (type !== 0x0800 || b.length < 34) {
    p.summary = `Ethernet ${p.eth.type}, ${b.length} bytes`;
    return p;
  }
  const ihl = (b[14] & 15) * 4;
  const frag = u16(b, 20);
  p.ip = {
    src: ip4(b, 26), dst: ip4(b, 30), id: u16(b, 18), ttl: b[22], proto: b[23], totalLen: u16(b, 16),
    fragOffset: (frag & 0x1fff) * 8, moreFragments: (frag & 0x2000) !== 0, headerLen: ihl, checksum: hex16(u16(b, 24)),
  };
  // Options: the jumbogram option (type 0x9E, 12 bytes: length, fragment offset, 32 bits each).
  for (let o = 34; o + 1 < 14 + ihl && o < b.length; ) {
    const type = b[o];
    if (type === 0) break;
    if (type === 1) { o++; continue; }
    const len = b[o + 1];
    if (type === 0x9e && len === 12 && o + 12 <= b.length) {
      const dv = new DataView(b.buffer, b.byteOffset);
      p.ip.jumboLen = dv.getUint32(o + 4);
      p.ip.fragOffset = dv.getUint32(o + 8);
    }
    if (len < 2) break;
    o += len;
  }
  p.payloadAt = 14 + ihl;
  const fragText = p.ip.fragOffset || p.ip.moreFragments ? ` fragment @${p.ip.fragOffset}${p.ip.moreFragments ? "+" : ""}` : "";
  if (p.ip.proto === 17 && p.ip.fragOffset === 0 && b.length >= p.payloadAt + 8) {
    const u = p.payloadAt;
    p.udp = { srcPort: u16(b, u), dstPort: u16(b, u + 2), len: u16(b, u + 4), checksum: hex16(u16(b, u + 6)) };
    p.payloadAt += 8;
    p.summary = `${p.ip.src}:${p.udp.srcPort} → ${p.ip.dst}:${p.udp.dstPort} UDP ${p.ip.jumboLen ?? p.udp.len} bytes${p.ip.jumboLen !== undefined ? " (jumbogram)" : ""}${fragText}`;
  } else {
    p.summary = `${p.ip.src} → ${p.ip.dst} IPv4 proto ${p.ip.proto}, ${p.ip.totalLen} bytes${p.ip.jumboLen !== undefined ? ` of a ${p.ip.jumboLen}-byte jumbogram` : ""}${fragText}`;
  }
  return p;
}

/** One row of a hex view: its address and 16 bytes, each marked or not. */
export interface HexRow {
  addr: number;
  cells: { hex: string; ch: string; marked: boolean }[];
}

/** hexRows: rows of 16 bytes of b, whose first byte is at address base; marked(address) picks the bytes to mark. */
export function hexRows(b: Uint8Array, base: number, marked: (addr: number) => boolean): HexRow[] {
  const rows: HexRow[] = [];
  for (let at = 0; at < b.length; at += 16) {
    const cells = Array.from(b.subarray(at, at + 16), (x, i) => ({
      hex: x.toString(16).padStart(2, "0"),
      ch: x >= 32 && x < 127 ? String.fromCharCode(x) : ".",
      marked: marked(base + at + i),
    }));
    rows.push({ addr: base + at, cells });
  }
  return rows;
}

// ---- Timeline --------------------------------------------------------------------------------

/** The timeline strip's rows, top to bottom: what a step did (Step.marks) and its colour. */
export const MARK_ROWS: { mark: Mark; name: string; color: string }[] = [
  { mark: Mark.ENTRY, name: "kernel entry", color: "#7b8494" },
  { mark: Mark.INTERRUPT, name: "interrupt", color: "#d98a06" },
  { mark: Mark.FAULT, name: "page fault", color: "#dc3232" },
  { mark: Mark.SHOOTDOWN, name: "TLB shootdown", color: "#8b5cf6" },
  { mark: Mark.SENT, name: "packet sent", color: "#2f7de1" },
  { mark: Mark.RECEIVED, name: "packet received", color: "#12a37a" },
  { mark: Mark.PATCH, name: "header patch", color: "#e0409a" },
];

/** stripColumns: the Mark bits of the steps drawn in each of width columns (step s of total at
 *  column stripX(s)); a column ORs the steps that fall in it. */
export function stripColumns(steps: readonly Step[], width: number): Uint8Array {
  const cols = new Uint8Array(Math.max(0, width));
  for (let i = 0; i < steps.length; i++) cols[stripX(i + 1, steps.length, width)] |= steps[i].marks;
  return cols;
}

/** stripX: the column of step s (0 .. total) on a strip width columns wide. */
export function stripX(s: number, total: number, width: number): number {
  return total > 0 ? Math.round((s / total) * (width - 1)) : 0;
}

/** stripStep: the step under column x of a strip width columns wide (the nearest). */
export function stripStep(x: number, total: number, width: number): number {
  if (width <= 1) return 0;
  return Math.max(0, Math.min(total, Math.round((x / (width - 1)) * total)));
}

/** nextEntry: the first step after `from` (1-based steps) that entered a kernel; total if none. */
export function nextEntry(steps: readonly Step[], from: number): number {
  for (let i = from; i < steps.length; i++) if (steps[i].entries > 0) return i + 1;
  return steps.length;
}

/** filterTrace: the events whose text contains every word of query (case-insensitive). */
export function filterTrace<T extends { kind: string; machine: string; a: number; b: number; c: number }>(events: readonly T[], query: string): T[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return events.slice();
  return events.filter((e) => {
    const text = `${e.machine} ${e.kind} ${e.a} ${e.b} ${e.c}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** fmtNs: simulated time for people: "12.345 µs", "1.234 ms". */
export function fmtNs(ns: number): string {
  if (ns < 1000) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(3)} µs`;
  return `${(ns / 1e6).toFixed(3)} ms`;
}

// ---- Sharing by URL ------------------------------------------------------------------------------

/** What a shared link holds: the scenario, its settings and (optionally) a script. */
export interface Shared {
  scenario: string;
  settings: Record<string, string | number | boolean>;
  script?: string;
}

const toB64Url = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const fromB64Url = (s: string) => new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)));

/** encodeShare: the URL fragment (without "#") of a shared state. */
export function encodeShare(s: Shared): string {
  return "s=" + toB64Url(JSON.stringify(s));
}

/**
 * decodeShare: the shared state of a URL fragment ("" or "#": null, nothing shared); an Error
 * saying what is wrong if the fragment is not one encodeShare made.
 */
export function decodeShare(fragment: string): Shared | null {
  const f = fragment.replace(/^#/, "");
  if (f === "") return null;
  if (!f.startsWith("s=")) throw new Error(`the link's fragment "${f.slice(0, 40)}" is not a shared playground state`);
  let v: unknown;
  try {
    v = JSON.parse(fromB64Url(f.slice(2)));
  } catch {
    throw new Error("the link's shared state is damaged (it does not decode)");
  }
  const o = v as Shared;
  if (typeof o !== "object" || o === null || typeof o.scenario !== "string" || typeof o.settings !== "object" || o.settings === null || (o.script !== undefined && typeof o.script !== "string"))
    throw new Error("the link's shared state lacks a scenario name and settings");
  for (const [k, x] of Object.entries(o.settings))
    if (!["string", "number", "boolean"].includes(typeof x)) throw new Error(`the link's setting "${k}" is not a plain value`);
  return { scenario: o.scenario, settings: o.settings, script: o.script };
}

/** scriptErrorLine: the line number an error message from a run names ("line N: ..."), if any. */
export function scriptErrorLine(message: string): number | null {
  const m = /^line (\d+):/.exec(message);
  return m ? Number(m[1]) : null;
}
