// tools/bench/format.ts — benchmark rows as text: aligned tables for terminals, Markdown for
// reports, and the number formats both use.

import type { DatagramRow } from "./datagram";

/** A table cell: text, right-aligned if it is a number. A row may instead be one note spanning
 *  the columns after its first `lead` cells (e.g. "not implemented"). */
export type Cell = string | number;
export interface NoteRow {
  lead: Cell[];
  note: string;
}
export type Row = Cell[] | NoteRow;

const isNote = (r: Row): r is NoteRow => !Array.isArray(r);
const show = (c: Cell) => (typeof c === "number" ? fmtNum(c) : c);

/** round3: x rounded to three decimals (the figures of benchmark rows). */
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** fmtNum: integers as they are; other numbers with 3 significant decimals at most. */
export function fmtNum(x: number): string {
  if (Number.isInteger(x)) return String(x);
  const abs = Math.abs(x);
  return x.toFixed(abs >= 100 ? 1 : abs >= 1 ? 2 : 3);
}

/** fmtBytes: 65536 -> "64K", 1048576 -> "1M", 1000 -> "1000". */
export function fmtBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)}M`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}K`;
  return String(n);
}

/** textTable: columns padded to their widest cell, numbers right-aligned, two spaces apart. */
export function textTable(headers: string[], rows: Row[]): string {
  const w = headers.map((h) => h.length);
  const numeric = headers.map(() => true);
  for (const r of rows) {
    const cells = isNote(r) ? r.lead : r;
    cells.forEach((c, i) => {
      w[i] = Math.max(w[i], show(c).length);
      if (typeof c !== "number") numeric[i] = false;
    });
  }
  const line = (cells: Cell[], note?: string) => {
    const parts = cells.map((c, i) => (numeric[i] && typeof c === "number" ? show(c).padStart(w[i]) : show(c).padEnd(w[i])));
    if (note !== undefined) parts.push(note);
    return parts.join("  ").trimEnd();
  };
  const head = headers.map((h, i) => (numeric[i] ? h.padStart(w[i]) : h.padEnd(w[i]))).join("  ").trimEnd();
  return [head, ...rows.map((r) => (isNote(r) ? line(r.lead, r.note) : line(r)))].join("\n") + "\n";
}

/** markdownTable: a GitHub-flavoured Markdown table (numbers right-aligned). */
export function markdownTable(headers: string[], rows: Row[]): string {
  const numeric = headers.map((_, i) => rows.some((r) => !isNote(r) && typeof r[i] === "number"));
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const out = [`| ${headers.map(esc).join(" | ")} |`, `|${numeric.map((n) => (n ? "---:" : "---")).join("|")}|`];
  for (const r of rows) {
    const cells = isNote(r) ? [...r.lead.map(show), r.note, ...Array(headers.length - r.lead.length - 1).fill("")] : r.map(show);
    out.push(`| ${cells.map(esc).join(" | ")} |`);
  }
  return out.join("\n") + "\n";
}

/** DATAGRAM_HEADERS: the columns of a datagram table, in ROW_KEYS order. */
export const DATAGRAM_HEADERS = ["semantics", "bytes", "latency µs", "Mbit/s", "CPU bytes copied", "PTE writes", "TLB shootdowns", "faults"];

/** datagramCells: a row's cells, in DATAGRAM_HEADERS order. */
export function datagramCells(r: DatagramRow): Cell[] {
  return [r.semantics, r.bytes, r.latencyUs, r.throughputMbps, r.cpuBytesCopied, r.pteWrites, r.tlbShootdowns, r.faults];
}
