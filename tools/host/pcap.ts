// tools/host/pcap.ts — packet capture in the libpcap file format (read by Wireshark and tshark).
//
// The writer accumulates the file in memory (works in Node and in the browser; bytes() gives
// the file); tools/host/pcap-node.ts writes it to disk. Timestamps are simulated nanoseconds.
// The reader parses a file back into records (for tests and for tracing tools).
//
//   global header (24 bytes, written little-endian)
//  +------------+---------+---------+-----------+------------+-----------+-----------+
//  |   magic    | v.major | v.minor |  thiszone |  sigfigs   |  snaplen  | linktype  |
//  |    u32     |   u16   |   u16   |    i32    |    u32     |    u32    |    u32    |
//  +------------+---------+---------+-----------+------------+-----------+-----------+
//   magic 0xa1b23c4d: timestamps in ns (default); 0xa1b2c3d4: in µs. Version 2.4. Linktype 1: Ethernet.
//
//   record header (16 bytes), then incl_len bytes of the frame
//  +------------+-------------+------------+------------+
//  |  ts_sec    | ts_frac     |  incl_len  |  orig_len  |
//  +------------+-------------+------------+------------+
//   ts_frac is ns or µs by the magic; incl_len = min(orig_len, snaplen)

import { ConfigError } from "./errors";

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_LINKTYPE_ETHERNET = 1;
export const PCAP_SNAPLEN = 262144;
const GLOBAL_HDR = 24;
const RECORD_HDR = 16;

export interface PcapOptions {
  /** Nanosecond timestamps (magic 0xa1b23c4d; default true) or microseconds (0xa1b2c3d4). */
  nanosecond?: boolean;
  /** Longest frame prefix kept per record (default 262144). */
  snaplen?: number;
  /** Link type of every record (default 1, Ethernet). */
  linktype?: number;
}

export interface PcapRecord {
  /** Capture time, simulated ns (µs files: a multiple of 1000). */
  t: number;
  /** The bytes kept (at most snaplen). */
  data: Uint8Array;
  /** The frame's length on the wire. */
  origLen: number;
}

export interface PcapFile {
  nanosecond: boolean;
  bigEndian: boolean;
  version: [number, number];
  snaplen: number;
  linktype: number;
  records: PcapRecord[];
}

/** A pcap file being written, kept in memory. */
export class PcapWriter {
  readonly nanosecond: boolean;
  readonly snaplen: number;
  readonly linktype: number;
  /** Records written so far. */
  count = 0;
  /** Added to every record's time; follow() moves it past the records so far. */
  offsetNs = 0;
  private endNs = 0;
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(opts: PcapOptions = {}) {
    this.nanosecond = opts.nanosecond ?? true;
    this.snaplen = opts.snaplen ?? PCAP_SNAPLEN;
    this.linktype = opts.linktype ?? PCAP_LINKTYPE_ETHERNET;
    if (!Number.isInteger(this.snaplen) || this.snaplen < 1 || this.snaplen > 0x7fffffff)
      throw new ConfigError(`pcap: snaplen must be an integer in 1 .. 2^31-1, got ${opts.snaplen}`);
    if (!Number.isInteger(this.linktype) || this.linktype < 0 || this.linktype > 0xffff)
      throw new ConfigError(`pcap: linktype must be an integer in 0 .. 65535, got ${opts.linktype}`);
    this.buf = new Uint8Array(64 * 1024);
    this.view = new DataView(this.buf.buffer);
    const v = this.view;
    v.setUint32(0, this.nanosecond ? PCAP_MAGIC_NS : PCAP_MAGIC_US, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setInt32(8, 0, true);
    v.setUint32(12, 0, true);
    v.setUint32(16, this.snaplen, true);
    v.setUint32(20, this.linktype, true);
    this.len = GLOBAL_HDR;
  }

  /** record: append frame bytes captured at simulated time tNs (>= 0). */
  record(tNs: number, frame: Uint8Array): void {
    if (!(tNs >= 0) || !Number.isFinite(tNs)) throw new ConfigError(`pcap: record time must be a finite number >= 0, got ${tNs}`);
    const incl = Math.min(frame.length, this.snaplen);
    this.reserve(RECORD_HDR + incl);
    const ns = Math.floor(tNs + this.offsetNs);
    this.endNs = Math.max(this.endNs, ns);
    const sec = Math.floor(ns / 1e9);
    const frac = this.nanosecond ? ns - sec * 1e9 : Math.floor((ns - sec * 1e9) / 1000);
    const v = this.view, at = this.len;
    v.setUint32(at, sec, true);
    v.setUint32(at + 4, frac, true);
    v.setUint32(at + 8, incl, true);
    v.setUint32(at + 12, frame.length, true);
    this.buf.set(incl === frame.length ? frame : frame.subarray(0, incl), at + RECORD_HDR);
    this.len = at + RECORD_HDR + incl;
    this.count++;
  }

  /** follow: records from now on come gapNs after the latest so far (one capture of several
   *  worlds run one after the other, each clock starting at 0, keeps time moving forward). */
  follow(gapNs = 1_000_000): void {
    if (this.count > 0) this.offsetNs = this.endNs + gapNs;
  }

  /** bytes: the file so far (a copy; the writer can go on recording). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** size: bytes of the file so far. */
  get size(): number {
    return this.len;
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

/** readPcap: parse a pcap file (either byte order, µs or ns); ConfigError naming the bad offset. */
export function readPcap(file: Uint8Array): PcapFile {
  if (file.length < GLOBAL_HDR) throw new ConfigError(`pcap: file of ${file.length} bytes is shorter than the 24-byte header`);
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const le = v.getUint32(0, true);
  const be = v.getUint32(0, false);
  let little: boolean, nanosecond: boolean;
  if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) [little, nanosecond] = [true, le === PCAP_MAGIC_NS];
  else if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) [little, nanosecond] = [false, be === PCAP_MAGIC_NS];
  else throw new ConfigError(`pcap: bad magic 0x${le.toString(16)} (not a pcap file)`);
  const out: PcapFile = {
    nanosecond,
    bigEndian: !little,
    version: [v.getUint16(4, little), v.getUint16(6, little)],
    snaplen: v.getUint32(16, little),
    linktype: v.getUint32(20, little),
    records: [],
  };
  let at = GLOBAL_HDR;
  while (at < file.length) {
    if (at + RECORD_HDR > file.length) throw new ConfigError(`pcap: record header at offset ${at} is cut short`);
    const sec = v.getUint32(at, little);
    const frac = v.getUint32(at + 4, little);
    const incl = v.getUint32(at + 8, little);
    const orig = v.getUint32(at + 12, little);
    if (at + RECORD_HDR + incl > file.length) throw new ConfigError(`pcap: record at offset ${at} claims ${incl} bytes, file ends first`);
    if (incl > orig) throw new ConfigError(`pcap: record at offset ${at} keeps ${incl} bytes of a ${orig}-byte frame`);
    out.records.push({
      t: sec * 1e9 + (nanosecond ? frac : frac * 1000),
      data: file.slice(at + RECORD_HDR, at + RECORD_HDR + incl),
      origLen: orig,
    });
    at += RECORD_HDR + incl;
  }
  return out;
}
