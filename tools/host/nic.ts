// tools/host/nic.ts — the virtual network adapter: the device half of the NIC interface.
//
// The driver (drivers/nic.ts) and this model meet only where real hardware meets its driver
// (layouts in kernel/abi.ts): descriptor rings in RAM, register writes (a TAIL write is the
// doorbell) and a completion interrupt. The device moves bytes between RAM and the wire by
// DMA; no byte it moves is counted as CPU work.
//
//   transmit: doorbell -> (at the end of the kernel entry that rang it) read descriptors,
//             gather each packet from RAM, fill in group checksums (offload), hand packets to
//             the wire; when a packet has left, mark its descriptors DONE and interrupt
//   receive:  frame from the wire -> pick a queue (early demux: UDP port steering, fragments
//             follow their first fragment), scatter it into posted buffers (header split:
//             headers into the header buffer), write status, interrupt

import { ETH_HLEN, NIC_QUEUES, NIC_RX_DESC, NIC_RX_DESCS, NIC_TX_DESC, NIC_TX_DESCS, NicFeature, NicReg, NicRx, NicStatus, NicTx, NicTxFlag } from "../../kernel/abi";
import { ConfigError } from "./errors";
import type { Machine } from "./machine";
import { Wire, type WireEnd, type WireOptions } from "./wire";


export interface NicOptions {
  /** IPv4 address, dotted ("10.0.0.1"). */
  ip: string;
  /** Largest IP packet: 68..65535 (1500 Ethernet, 9000 jumbo, 65535 AAL5-style). Default 1500. */
  mtu?: number;
  /** Headers into a separate small buffer, payload page-aligned into its own frames. */
  headerSplit?: boolean;
  /** Device sums packets (receive) and fills UDP checksums (send). */
  checksumOffload?: boolean;
  /** Steer packets to per-socket receive queues by UDP destination port. */
  earlyDemux?: boolean;
}

export interface NicStats {
  txPackets: number;
  txBytes: number;
  rxPackets: number;
  rxBytes: number;
  rxNoBuffer: number; // dropped: no buffer posted on the queue nor on queue 0
  rxFallback: number; // steered queue had no buffer: went to queue 0
  txNoLink: number; // sent with no wire attached
}

/** parseIp: "10.0.0.1" -> 0x0a000001; ConfigError if malformed. */
export function parseIp(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m || m.slice(1).some((x) => Number(x) > 255)) throw new ConfigError(`ip: "${s}" is not a dotted IPv4 address`);
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

/** formatIp: 0x0a000001 -> "10.0.0.1". */
export function formatIp(ip: number): string {
  return [24, 16, 8, 0].map((s) => (ip >>> s) & 255).join(".");
}

interface RxQueue {
  ring: number; // pa of the descriptor ring (0 = not set up)
  head: number; // next descriptor the device fills
  tail: number; // descriptors before tail are posted
}

export class Nic implements WireEnd {
  readonly ip: number;
  readonly mtu: number;
  readonly features: number;
  readonly stats: NicStats = { txPackets: 0, txBytes: 0, rxPackets: 0, rxBytes: 0, rxNoBuffer: 0, rxFallback: 0, txNoLink: 0 };
  link: Wire | null = null;
  private txRing = 0;
  private txHead = 0; // next descriptor the device reads
  private txTail = 0;
  private rx: RxQueue[] = Array.from({ length: NIC_QUEUES }, () => ({ ring: 0, head: 0, tail: 0 }));
  private steer = new Map<number, number>(); // UDP port -> queue
  private fragQueue = new Map<string, number>(); // (src, id) -> queue of its first fragment
  private irqAt = -1;

  constructor(readonly machine: Machine, readonly index: number, opts: NicOptions) {
    this.ip = parseIp(opts.ip);
    const mtu = opts.mtu ?? 1500;
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new ConfigError(`mtu: ${mtu} is not in 68..65535`);
    this.mtu = mtu;
    this.features = (opts.headerSplit ? NicFeature.HEADER_SPLIT : 0) | (opts.checksumOffload ? NicFeature.CSUM_OFFLOAD : 0) | (opts.earlyDemux ? NicFeature.EARLY_DEMUX : 0);
  }

  /** mac: the adapter's address, derived from its IP (02:00:a.b.c.d; there is no ARP). */
  get mac(): number {
    return this.ip;
  }

  private dvCache: DataView | null = null;
  /** dv: RAM as a DataView (re-made when the kernel's memory has grown). */
  private get dv(): DataView {
    const buf = this.machine.k.memory.buffer;
    if (!this.dvCache || this.dvCache.buffer !== buf) this.dvCache = new DataView(buf, this.machine.k.ramBase(), this.machine.k.ramBytes());
    return this.dvCache;
  }

  /** write: the driver wrote value to register reg (queue-indexed registers use queue). */
  write(reg: NicReg, queue: number, value: number): void {
    switch (reg) {
      case NicReg.TX_RING: this.txRing = value >>> 0; this.txHead = this.txTail = 0; break;
      case NicReg.TX_TAIL:
        this.txTail = value % NIC_TX_DESCS;
        // The device starts on the new descriptors when the kernel entry that rang it ends.
        this.machine.defer((t) => this.machine.world.at(t, () => this.transmit(t)));
        break;
      case NicReg.RX_RING: this.rxq(queue).ring = value >>> 0; this.rxq(queue).head = this.rxq(queue).tail = 0; break;
      case NicReg.RX_TAIL: this.rxq(queue).tail = value % NIC_RX_DESCS; break;
      case NicReg.STEER:
        if (value === 0) this.steer.delete(queue & 0xffff);
        else this.steer.set(queue & 0xffff, this.rxqIndex(value));
        break;
      default:
        throw new Error(`nic${this.index}: write to unknown register ${reg}`);
    }
  }

  private rxqIndex(q: number): number {
    if (!Number.isInteger(q) || q < 0 || q >= NIC_QUEUES) throw new Error(`nic${this.index}: no receive queue ${q}`);
    return q;
  }
  private rxq(q: number): RxQueue {
    return this.rx[this.rxqIndex(q)];
  }

  /** transmit: send every packet posted before txTail; descriptors complete as packets leave. */
  private transmit(t: number): void {
    const dv = this.dv;
    const ram = this.machine.ram;
    while (this.txHead !== this.txTail) {
      // The next packet, or the next checksum group of packets (CSUM on each, CSUM_END on the last).
      const packets: number[][] = [];
      let i = this.txHead;
      let group = false;
      for (;;) {
        const pkt: number[] = [];
        let fl = 0;
        do {
          if (i === this.txTail) throw new Error(`nic${this.index}: packet without EOP at descriptor ${i}`);
          pkt.push(i);
          fl = dv.getUint16(this.txRing + i * NIC_TX_DESC + NicTx.FLAGS, true);
          i = (i + 1) % NIC_TX_DESCS;
        } while (!(fl & NicTxFlag.EOP));
        packets.push(pkt);
        if (fl & NicTxFlag.CSUM) group = true;
        if (!group || fl & NicTxFlag.CSUM_END) break;
      }
      this.txHead = i;
      const frames = packets.map((p) => this.gather(dv, ram, p));
      if (group) this.fillChecksum(dv, packets, frames);
      for (let k = 0; k < frames.length; k++) {
        const bytes = frames[k];
        let done = t;
        if (this.link) done = this.link.transmit(this, bytes, t).doneNs;
        else this.stats.txNoLink++;
        this.stats.txPackets++;
        this.stats.txBytes += bytes.length;
        const descs = packets[k];
        this.machine.world.at(done, () => {
          const d = this.dv;
          for (const x of descs) d.setUint32(this.txRing + x * NIC_TX_DESC + NicTx.STATUS, NicStatus.DONE, true);
          this.interrupt(done);
        });
      }
    }
  }

  private gather(dv: DataView, ram: Uint8Array, descs: number[]): Uint8Array {
    let len = 0;
    for (const x of descs) len += dv.getUint16(this.txRing + x * NIC_TX_DESC + NicTx.LEN, true) || 65536;
    const out = new Uint8Array(len);
    let at = 0;
    for (const x of descs) {
      const pa = dv.getUint32(this.txRing + x * NIC_TX_DESC + NicTx.ADDR, true);
      const n = dv.getUint16(this.txRing + x * NIC_TX_DESC + NicTx.LEN, true) || 65536;
      out.set(ram.subarray(pa, pa + n), at);
      at += n;
    }
    return out;
  }

  /** fillChecksum: the group's checksum over [csumStart, end) of each packet, into packet 0. */
  private fillChecksum(dv: DataView, packets: number[][], frames: Uint8Array[]): void {
    const first = this.txRing + packets[0][0] * NIC_TX_DESC;
    const off = dv.getUint16(first + NicTx.CSUM_OFF, true);
    let sum = (frames[0][off] << 8) | frames[0][off + 1];
    let at = 0; // offset within the checksummed message, for odd-length pieces
    for (let k = 0; k < frames.length; k++) {
      const start = dv.getUint16(this.txRing + packets[k][0] * NIC_TX_DESC + NicTx.CSUM_START, true);
      const f = frames[k];
      const s = onesSum(f, start, f.length, k === 0 ? off : -1);
      sum += at & 1 ? ((s & 0xff) << 8) | (s >>> 8) : s;
      sum = (sum & 0xffff) + (sum >>> 16);
      at += f.length - start;
    }
    let c = ~sum & 0xffff;
    if (c === 0) c = 0xffff;
    frames[0][off] = c >>> 8;
    frames[0][off + 1] = c & 0xff;
  }

  /** receiveFrame: a frame arrives from the wire at time t. */
  receiveFrame(bytes: Uint8Array, t: number): void {
    this.stats.rxPackets++;
    this.stats.rxBytes += bytes.length;
    let q = this.features & NicFeature.EARLY_DEMUX ? this.classify(bytes) : 0;
    if (q !== 0 && !this.hasBuffers(q, bytes.length)) {
      this.stats.rxFallback++;
      q = 0;
    }
    if (!this.hasBuffers(q, bytes.length)) {
      this.stats.rxNoBuffer++;
      return;
    }
    this.scatter(q, bytes);
    this.interrupt(t);
  }

  /** classify: the receive queue steering picks for this frame (0 if none). */
  private classify(b: Uint8Array): number {
    if (b.length < ETH_HLEN + 20 || ((b[12] << 8) | b[13]) !== 0x0800) return 0;
    const ip = ETH_HLEN;
    const ihl = (b[ip] & 15) * 4;
    if (b[ip + 9] !== 17) return 0;
    const frag = fragOffset(b);
    const key = `${(b[ip + 12] << 24) | (b[ip + 13] << 16) | (b[ip + 14] << 8) | b[ip + 15]}/${(b[ip + 4] << 8) | b[ip + 5]}`;
    if (frag !== 0) return this.fragQueue.get(key) ?? 0;
    if (b.length < ip + ihl + 8) return 0;
    const port = (b[ip + ihl + 2] << 8) | b[ip + ihl + 3];
    const q = this.steer.get(port) ?? 0;
    const more = (b[ip + 6] & 0x20) !== 0;
    if (more) {
      this.fragQueue.set(key, q);
      if (this.fragQueue.size > 256) this.fragQueue.delete(this.fragQueue.keys().next().value!);
    }
    return q;
  }

  private hasBuffers(q: number, len: number): boolean {
    const r = this.rx[q];
    if (!r.ring) return false;
    const dv = this.dv;
    let room = 0;
    for (let i = r.head; i !== r.tail && room < len; i = (i + 1) % NIC_RX_DESCS) {
      const d = r.ring + i * NIC_RX_DESC;
      room += dv.getUint16(d + NicRx.BUF_CAP, true) || 65536;
      if (i === r.head && this.features & NicFeature.HEADER_SPLIT) room += dv.getUint16(d + NicRx.HDR_CAP, true);
    }
    return room >= len;
  }

  /** splitPoint: bytes of headers (Ethernet + IP + UDP for a first fragment, + IP otherwise). */
  private splitPoint(b: Uint8Array): number {
    if (b.length < ETH_HLEN + 20 || ((b[12] << 8) | b[13]) !== 0x0800) return 0;
    const ihl = (b[ETH_HLEN] & 15) * 4;
    const frag = fragOffset(b);
    const udp = b[ETH_HLEN + 9] === 17 && frag === 0 ? 8 : 0;
    return Math.min(b.length, ETH_HLEN + ihl + udp);
  }

  private scatter(q: number, b: Uint8Array): void {
    const r = this.rx[q];
    const dv = this.dv;
    const ram = this.machine.ram;
    let at = 0;
    let first = true;
    let status = 0;
    const d0 = r.ring + r.head * NIC_RX_DESC;
    if (this.features & NicFeature.HEADER_SPLIT) {
      const cap = dv.getUint16(d0 + NicRx.HDR_CAP, true);
      const h = this.splitPoint(b);
      if (h > 0 && h <= cap) {
        ram.set(b.subarray(0, h), dv.getUint32(d0 + NicRx.HDR_ADDR, true));
        dv.setUint16(d0 + NicRx.HDR_LEN, h, true);
        at = h;
        status |= NicStatus.SPLIT;
      } else dv.setUint16(d0 + NicRx.HDR_LEN, 0, true);
    } else dv.setUint16(d0 + NicRx.HDR_LEN, 0, true);
    if (this.features & NicFeature.CSUM_OFFLOAD && b.length >= ETH_HLEN + 20) {
      const ihl = (b[ETH_HLEN] & 15) * 4;
      const tot = Math.min(b.length - ETH_HLEN, (b[ETH_HLEN + 2] << 8) | b[ETH_HLEN + 3]);
      dv.setUint16(d0 + NicRx.SUM, onesSum(b, ETH_HLEN + ihl, ETH_HLEN + Math.max(ihl, tot), -1), true);
      status |= NicStatus.CSUM;
    }
    do {
      const d = r.ring + r.head * NIC_RX_DESC;
      const cap = dv.getUint16(d + NicRx.BUF_CAP, true) || 65536;
      const n = Math.min(cap, b.length - at);
      ram.set(b.subarray(at, at + n), dv.getUint32(d + NicRx.BUF_ADDR, true));
      at += n;
      dv.setUint16(d + NicRx.LEN, n, true);
      if (!first) dv.setUint16(d + NicRx.HDR_LEN, 0, true);
      const last = at >= b.length;
      dv.setUint16(d + NicRx.STATUS, NicStatus.DONE | (last ? NicStatus.EOP : 0) | (first ? status : 0), true);
      first = false;
      r.head = (r.head + 1) % NIC_RX_DESCS;
    } while (at < b.length);
  }

  /** interrupt: raise the NIC's interrupt at t (coalesced with one already pending then). */
  private interrupt(t: number): void {
    if (this.irqAt === t) return;
    this.irqAt = t;
    this.machine.world.at(t, () => {
      this.irqAt = -1;
      this.machine.interrupt(t, () => this.machine.k.nicInterrupt(this.index));
    });
  }
}

/** connect: a wire with these options between two NICs (of machines of one world). */
export function connect(a: Nic, b: Nic, opts: WireOptions): Wire {
  if (a.link || b.link) throw new ConfigError(`connect: nic${a.link ? a.index : b.index} of ${(a.link ? a : b).machine.name} already has a wire`);
  if (a.machine.world !== b.machine.world) throw new ConfigError("connect: the two NICs are in different worlds");
  const w = new Wire(a.machine.world, opts);
  w.attach(a, b);
  a.link = w;
  b.link = w;
  return w;
}

/** fragOffset: where an IPv4 packet's payload sits in its datagram (bytes): the fragment offset
 *  field, or the 32-bit offset of a jumbogram option (net/jumbo.ts), which this adapter parses. */
export function fragOffset(b: Uint8Array): number {
  const ip = ETH_HLEN;
  const ihl = (b[ip] & 15) * 4;
  for (let i = 20; i + 1 < ihl && ip + i + 12 <= b.length; ) {
    const type = b[ip + i];
    if (type === 0) break;
    if (type === 1) { i++; continue; }
    if (type === 0x9e && b[ip + i + 1] === 12) {
      const o = ip + i + 8;
      return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
    }
    i += Math.max(2, b[ip + i + 1]);
  }
  return (((b[ip + 6] << 8) | b[ip + 7]) & 0x1fff) * 8;
}

/** onesSum: 16-bit one's-complement sum of b[start, end) as big-endian words (the two bytes at
 *  skip, the checksum field, count as zero when skip >= 0). Sums 32 bits at a time in the bulk:
 *  little-endian words give the byte-swapped sum (RFC 1071), undone once at the end. */
export function onesSum(b: Uint8Array, start: number, end: number, skip: number): number {
  let s0 = 0, s1 = 0;
  if (skip >= 0) {
    s0 = b[skip];
    s1 = b[skip + 1];
    b[skip] = b[skip + 1] = 0;
  }
  let hi = 0; // sum of bytes at even distance from start (high bytes of big-endian words)
  let lo = 0; // sum of bytes at odd distance (low bytes)
  let i = start;
  const abs = b.byteOffset;
  while (i < end && (abs + i) & 3) {
    if ((i - start) & 1) lo += b[i];
    else hi += b[i];
    i++;
  }
  const words = (end - i) >> 2;
  if (words > 0) {
    const u32 = new Uint32Array(b.buffer, abs + i, words);
    let acc = 0;
    for (let k = 0; k < words; k++) acc += u32[k]; // exact: < 2^53; 2^16 = 1 mod 0xffff
    // Each 16-bit half is (byte at even offset from i) + (next byte << 8).
    while (acc > 0xffff) acc = (acc % 65536) + Math.floor(acc / 65536);
    if ((i - start) & 1) hi += acc >>> 8, lo += acc & 0xff;
    else lo += acc >>> 8, hi += acc & 0xff;
    i += words * 4;
  }
  for (; i < end; i++) {
    if ((i - start) & 1) lo += b[i];
    else hi += b[i];
  }
  if (skip >= 0) {
    b[skip] = s0;
    b[skip + 1] = s1;
  }
  let s = hi * 256 + lo;
  while (s > 0xffff) s = (s % 65536) + Math.floor(s / 65536);
  return s;
}
