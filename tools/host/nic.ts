// tools/host/nic.ts — the virtual network adapter: the device half of the NIC interface.
//
// The driver (drivers/nic.ts) and this model meet only where real hardware meets its driver
// (layouts in base/abi.ts): descriptor rings in RAM, register writes (a TAIL write is the
// doorbell) and a completion interrupt. The device moves bytes between RAM and the wire by
// DMA; no byte it moves is counted as CPU work.
//
//   transmit: doorbell -> (at the end of the kernel entry that rang it) read descriptors,
//             gather each packet from RAM into a buffer the wire lends, fill in group checksums
//             (offload), hand packets to the wire; when a packet has left, mark its
//             descriptors DONE and interrupt
//   receive:  frame from the wire -> pick a queue (early demux: UDP port steering, fragments
//             follow their first fragment), scatter it into posted buffers (header split:
//             headers into the header buffer), write status, interrupt, give the buffer back
//
// Checksum offload sums bytes where they lie in RAM with the checksum engine (hw/csum.wat, at
// native speed). Simulation speed matters here (genie bench wallclock): frame buffers are
// reused (framepool.ts), and each payload byte is touched only to copy it in and out of the
// wire's buffer, and once more to sum it on transmit.

import { ETH_HLEN, ETH_TYPE_OFF, ETHERTYPE_IPV4, IP4_HLEN, Ip4Off, IP_MF, IP_OFFMASK, IPPROTO_UDP, JUMBO_OPT, JUMBO_OPT_OFF, JUMBO_OPTLEN, UDP_HLEN, UdpOff, NIC_QUEUES, NIC_RX_DESC, NIC_RX_DESCS, NIC_TX_DESC, NIC_TX_DESCS, NicFeature, NicReg, NicRx, NicStatus, NicTx, NicTxFlag } from "../../base/abi";
import { ConfigError } from "./errors";
import { parseIp } from "./ip";
import type { DeviceBus } from "./views";
import { Wire, type FrameSum, type WireEnd, type WireOptions } from "./wire";
import { csumAdd, csumEngine, type CsumEngine } from "./hw/csum";


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

/** One descriptor as the device sees it (Nic.rings): where its buffer lies and its fields. */
export interface RingDesc {
  index: number;
  /** Buffer (pa) and its length (TX) or capacity (RX); RX also the header buffer. */
  addr: number;
  len: number;
  hdrAddr?: number;
  flags: number;
  status: number;
}

/** A descriptor ring: its place in RAM, the device's head and the driver's tail. */
export interface RingView {
  name: string;
  ring: number;
  head: number;
  tail: number;
  /** The descriptors posted and not yet consumed by the device, [head, tail). */
  posted: RingDesc[];
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

/**
 * DmaLog: the byte work of the adapters of one wire, in the order they did it. Flat lists of
 * numbers: gather (packet, pa, n) copied out of the sender's RAM into the packet's buffer in
 * order; txSum (packet, pa, n) summed where it lies in the sender's RAM; scatter (packet, from,
 * n, pa) the packet's bytes [from, from + n) written into the receiver's RAM; rxSum (packet, pa,
 * n) summed in the receiver's RAM. Packets are numbered in the order each side saw them.
 */
export interface DmaLog {
  gather: number[];
  txSum: number[];
  scatter: number[];
  rxSum: number[];
  txPackets: number;
  rxPackets: number;
}

/** emptyDmaLog: a DmaLog with nothing in it. */
export function emptyDmaLog(): DmaLog {
  return { gather: [], txSum: [], scatter: [], rxSum: [], txPackets: 0, rxPackets: 0 };
}

interface RxQueue {
  ring: number; // pa of the descriptor ring (0 = not set up)
  head: number; // next descriptor the device fills
  tail: number; // descriptors before tail are posted
}

/** Datagrams whose fragments the adapter remembers how to steer (early demultiplexing). */
const FRAG_FLOWS = 256;

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
  // Where later fragments go: (source, IP id) -> queue of the first fragment, for the last
  // FRAG_FLOWS first fragments that came with more to follow (a ring: the oldest is forgotten).
  private fragSrc = new Uint32Array(FRAG_FLOWS);
  private fragId = new Uint32Array(FRAG_FLOWS);
  private fragQ = new Uint8Array(FRAG_FLOWS);
  private fragN = 0; // entries recorded so far (the ring holds the last FRAG_FLOWS)
  private irqAt = -1;
  private missed = 0; // frames missed since the driver last read RX_MISSED
  private readonly irqFn = () => this.irq();
  private readonly kernelIrq = () => this.machine.k.nicInterrupt(this.index);
  // Packets sent and not yet completed, oldest first (they complete in the order they left):
  // descriptors [txDoneFirst, txDoneEnd) of each, a ring of NIC_TX_DESCS.
  private txDoneFirst = new Int32Array(NIC_TX_DESCS);
  private txDoneEnd = new Int32Array(NIC_TX_DESCS);
  private txDoneHead = 0;
  private txDoneCount = 0;
  private readonly txDoneFn = () => this.transmitted();
  private readonly txDoneLabel: string;
  private readonly irqLabel: string;
  private readonly txLabel: string;
  // A doorbell's work, made once (no closures per doorbell): at the end of the kernel entry that
  // rang it, schedule transmit for then (the event runs with world.now at that time).
  private readonly txFn = () => this.transmit(this.machine.world.now);
  private readonly txDoorbellFn = (end: number) => this.machine.world.at(end, this.txFn, this.txLabel);
  private txStarts = new Int32Array(NIC_TX_DESCS + 1); // transmit's packet boundaries, reused
  private txSum = new Int32Array(NIC_TX_DESCS); // groupChecksum: each packet's sum ...
  private txSumFrom = new Int32Array(NIC_TX_DESCS); // ... of its bytes from this offset
  private csum: CsumEngine | null = null;
  private readonly txHint: FrameSum = { from: 0, sum: 0 }; // lent to the wire for one transmit
  /**
   * A wall clock (ms) lent by a benchmark (genie bench wallclock), or null. While one is lent,
   * the wall time this adapter spends on its own DMA copies and checksums (gather, sum,
   * scatter) adds up in deviceMs, so that the benchmark can tell the devices' share of the
   * simulator's time from the rest. The simulation itself never reads a clock: nothing simulated
   * depends on this.
   */
  meter: (() => number) | null = null;
  deviceMs = 0;
  /** Spans timed into deviceMs (the benchmark takes off what its own clock reads cost). */
  deviceSpans = 0;
  /**
   * A log lent by a benchmark (genie bench wallclock), or null. While one is lent, every DMA
   * copy and checksum this adapter does is written down as (pa, length), so that the benchmark
   * can replay the same byte work on the same frames with nothing simulated around it (the
   * faithful-device bound). Nothing simulated depends on it.
   */
  dmaLog: DmaLog | null = null;

  constructor(readonly machine: DeviceBus, readonly index: number, opts: NicOptions) {
    this.ip = parseIp(opts.ip);
    this.txDoneLabel = `${machine.name}: NIC packet sent`;
    this.irqLabel = `${machine.name}: NIC interrupt`;
    this.txLabel = `${machine.name}: NIC transmit`;
    const mtu = opts.mtu ?? 1500;
    if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) throw new ConfigError(`mtu: ${mtu} is not in 68..65535`);
    this.mtu = mtu;
    this.features = (opts.headerSplit ? NicFeature.HEADER_SPLIT : 0) | (opts.checksumOffload ? NicFeature.CSUM_OFFLOAD : 0) | (opts.earlyDemux ? NicFeature.EARLY_DEMUX : 0);
  }

  /** rings: the transmit ring and each receive queue in use, read from RAM (no side effects). */
  rings(): RingView[] {
    const dv = this.dv, out: RingView[] = [];
    if (this.txRing) {
      const posted: RingDesc[] = [];
      for (let i = this.txHead; i !== this.txTail && posted.length < NIC_TX_DESCS; i = (i + 1) % NIC_TX_DESCS) {
        const at = this.txRing + i * NIC_TX_DESC;
        posted.push({ index: i, addr: dv.getUint32(at + NicTx.ADDR, true), len: dv.getUint16(at + NicTx.LEN, true), flags: dv.getUint16(at + NicTx.FLAGS, true), status: dv.getUint32(at + NicTx.STATUS, true) });
      }
      out.push({ name: "tx", ring: this.txRing, head: this.txHead, tail: this.txTail, posted });
    }
    this.rx.forEach((q, n) => {
      if (!q.ring) return;
      const posted: RingDesc[] = [];
      for (let i = q.head; i !== q.tail && posted.length < NIC_RX_DESCS; i = (i + 1) % NIC_RX_DESCS) {
        const at = q.ring + i * NIC_RX_DESC;
        posted.push({ index: i, addr: dv.getUint32(at + NicRx.BUF_ADDR, true), len: dv.getUint16(at + NicRx.BUF_CAP, true), hdrAddr: dv.getUint32(at + NicRx.HDR_ADDR, true), flags: 0, status: dv.getUint16(at + NicRx.STATUS, true) });
      }
      out.push({ name: `rx${n}`, ring: q.ring, head: q.head, tail: q.tail, posted });
    });
    return out;
  }

  /** mac: the adapter's address, derived from its IP (02:00:a.b.c.d; there is no ARP). */
  get mac(): number {
    return this.ip;
  }

  /** engine: the checksum-offload engine, summing this machine's RAM (made on first use). */
  private get engine(): CsumEngine {
    return (this.csum ??= csumEngine(this.machine.k.memory));
  }

  // RAM as the device reads and writes it: remade whenever the machine remakes its RAM view
  // (after the kernel's memory has grown). The buffer is kept apart because asking a view for
  // its buffer is a slow call; ramOff is where physical address 0 lies in the kernel's memory
  // (the checksum engine's addresses).
  private ramView: Uint8Array | null = null;
  private ramBuf = new ArrayBuffer(0);
  private ramOff = 0;
  private dvCache = new DataView(this.ramBuf);

  /** dv: RAM as a DataView (descriptors, registers in RAM). */
  private get dv(): DataView {
    const ram = this.machine.ram;
    if (ram !== this.ramView) {
      this.ramView = ram;
      this.ramBuf = ram.buffer as ArrayBuffer;
      this.ramOff = ram.byteOffset;
      this.dvCache = new DataView(this.ramBuf, this.ramOff, ram.byteLength);
    }
    return this.dvCache;
  }

  /** ramPiece: n bytes of RAM at pa, as a view for a DMA copy (valid after dv; a new view of
   *  the buffer costs less than subarray, which looks up the array's species constructor). */
  private ramPiece(pa: number, n: number): Uint8Array {
    return new Uint8Array(this.ramBuf, this.ramOff + pa, n);
  }

  /** read: the driver reads register reg; RX_MISSED (frames missed for want of a buffer since
   *  the last read) clears on read. */
  read(reg: NicReg, queue: number): number {
    if (reg !== NicReg.RX_MISSED) throw new Error(`nic${this.index}: read of unknown register ${reg} (queue ${queue})`);
    const n = this.missed;
    this.missed = 0;
    return n;
  }

  /** write: the driver wrote value to register reg (queue-indexed registers use queue). */
  write(reg: NicReg, queue: number, value: number): void {
    switch (reg) {
      case NicReg.TX_RING: this.txRing = value >>> 0; this.txHead = this.txTail = 0; break;
      case NicReg.TX_TAIL:
        this.txTail = value % NIC_TX_DESCS;
        // The device starts on the new descriptors when the kernel entry that rang it ends.
        this.machine.defer(this.txDoorbellFn);
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
    const starts = this.txStarts;
    while (this.txHead !== this.txTail) {
      // The next packet, or the next checksum group of packets (CSUM on each, CSUM_END on the
      // last). Packet k is the descriptors [starts[k], starts[k + 1]) of the ring, k < n.
      let n = 0;
      let i = this.txHead;
      let group = false;
      for (;;) {
        starts[n++] = i;
        let fl = 0;
        do {
          if (i === this.txTail) throw new Error(`nic${this.index}: packet without EOP at descriptor ${i}`);
          fl = dv.getUint16(this.txRing + i * NIC_TX_DESC + NicTx.FLAGS, true);
          i = (i + 1) % NIC_TX_DESCS;
        } while (!(fl & NicTxFlag.EOP));
        if (fl & NicTxFlag.CSUM) group = true;
        if (!group || fl & NicTxFlag.CSUM_END) break;
      }
      starts[n] = i;
      this.txHead = i;
      const meter = this.meter, m0 = meter ? meter() : 0;
      const csum = group ? this.groupChecksum(dv, starts, n) : 0;
      if (meter) (this.deviceMs += meter() - m0), this.deviceSpans++;
      for (let k = 0; k < n; k++) {
        const first = starts[k], end = starts[k + 1];
        const m1 = meter ? meter() : 0;
        const bytes = this.gather(dv, first, end);
        if (meter) (this.deviceMs += meter() - m1), this.deviceSpans++;
        // With checksum offload the engine has just summed this packet's bytes [from, end): the
        // frame carries that sum, so that the receiving adapter's engine need not read the same
        // bytes again (a shortcut of the simulator, exact: see FrameSum).
        let hint: FrameSum | null = null;
        if (group) {
          const from = this.txSumFrom[k];
          let sum = this.txSum[k];
          if (k === 0) {
            // The checksum replaces the seed in the field, and so in the sum: -seed +c (one's
            // complement; the result is never 0, since c is not). A field outside [from, end)
            // changes no byte the sum covers.
            const off = dv.getUint16(this.txRing + first * NIC_TX_DESC + NicTx.CSUM_OFF, true);
            const seed = (bytes[off] << 8) | bytes[off + 1];
            bytes[off] = csum >>> 8;
            bytes[off + 1] = csum & 0xff;
            if (off >= from && off + 2 <= bytes.length) sum = csumAdd(csumAdd(sum, ~seed & 0xffff, off - from), csum, off - from);
            else if (off + 2 > from && off < bytes.length) sum = -1; // straddles the range: no hint
          }
          if (sum >= 0) (hint = this.txHint), (hint.from = from), (hint.sum = sum);
        }
        let done = t;
        // The wire takes the frame as it is: this adapter never touches it again.
        if (this.link) done = this.link.transmit(this, bytes, t, true, hint).doneNs;
        else this.stats.txNoLink++;
        this.stats.txPackets++;
        this.stats.txBytes += bytes.length;
        const slot = (this.txDoneHead + this.txDoneCount++) % NIC_TX_DESCS;
        this.txDoneFirst[slot] = first;
        this.txDoneEnd[slot] = end;
        this.machine.world.at(done, this.txDoneFn, this.txDoneLabel);
      }
    }
  }

  /** transmitted: the oldest packet in flight has left (now): mark its descriptors DONE, interrupt. */
  private transmitted(): void {
    const dv = this.dv;
    const slot = this.txDoneHead;
    this.txDoneHead = (slot + 1) % NIC_TX_DESCS;
    this.txDoneCount--;
    const end = this.txDoneEnd[slot];
    for (let x = this.txDoneFirst[slot]; x !== end; x = (x + 1) % NIC_TX_DESCS) dv.setUint32(this.txRing + x * NIC_TX_DESC + NicTx.STATUS, NicStatus.DONE, true);
    this.interrupt(this.machine.world.now);
  }

  /** gather: the packet of descriptors [first, end), copied out of RAM (DMA) into a buffer the
   *  wire lends (a new one without a wire). */
  private gather(dv: DataView, first: number, end: number): Uint8Array {
    let len = 0;
    for (let x = first; x !== end; x = (x + 1) % NIC_TX_DESCS) len += dv.getUint16(this.txRing + x * NIC_TX_DESC + NicTx.LEN, true) || 65536;
    const out = this.link ? this.link.buffer(len) : new Uint8Array(len);
    let at = 0;
    for (let x = first; x !== end; x = (x + 1) % NIC_TX_DESCS) {
      const d = this.txRing + x * NIC_TX_DESC;
      const pa = dv.getUint32(d + NicTx.ADDR, true);
      const n = dv.getUint16(d + NicTx.LEN, true) || 65536;
      out.set(this.ramPiece(pa, n), at);
      this.dmaLog?.gather.push(this.dmaLog.txPackets, pa, n);
      at += n;
    }
    if (this.dmaLog) this.dmaLog.txPackets++;
    return out;
  }

  /**
   * groupChecksum: checksum offload for the group of n packets starts[0..n]: the engine sums each
   * packet's bytes [csumStart, end) where they lie in RAM, the checksum field included (the
   * driver put the pseudo-header sum there as the seed); the group's checksum is the complement
   * of the total (0 is sent as 0xffff). Each packet's own sum is kept in txSum (from txSumFrom).
   */
  private groupChecksum(dv: DataView, starts: Int32Array, n: number): number {
    const engine = this.engine;
    const base = this.ramOff;
    let sum = 0;
    let at = 0; // offset within the checksummed message, for packets at odd offsets
    for (let k = 0; k < n; k++) {
      const start = dv.getUint16(this.txRing + starts[k] * NIC_TX_DESC + NicTx.CSUM_START, true);
      let part = 0; // this packet's sum, as a message of its own from start
      let o = 0; // offset of the descriptor's bytes within the packet
      for (let x = starts[k]; x !== starts[k + 1]; x = (x + 1) % NIC_TX_DESCS) {
        const d = this.txRing + x * NIC_TX_DESC;
        const pa = dv.getUint32(d + NicTx.ADDR, true);
        const len = dv.getUint16(d + NicTx.LEN, true) || 65536;
        const s = Math.max(o, start);
        if (s < o + len) {
          part = csumAdd(part, engine.sum(base + pa + (s - o), o + len - s), s - start);
          this.dmaLog?.txSum.push(this.dmaLog.txPackets + k, pa + (s - o), o + len - s);
        }
        o += len;
      }
      this.txSum[k] = part;
      this.txSumFrom[k] = start;
      sum = csumAdd(sum, part, at);
      at += o - start;
    }
    const c = ~sum & 0xffff;
    return c === 0 ? 0xffff : c;
  }

  /** receiveFrame: a frame arrives from the wire at time t; once it is in RAM (or dropped), its
   *  buffer goes back to the wire. */
  receiveFrame(bytes: Uint8Array, t: number, sum: FrameSum | null = null): void {
    this.stats.rxPackets++;
    this.stats.rxBytes += bytes.length;
    let q = this.features & NicFeature.EARLY_DEMUX ? this.classify(bytes) : 0;
    const h = this.features & NicFeature.HEADER_SPLIT ? this.splitPoint(bytes) : 0;
    let room = this.hasBuffers(q, bytes.length, h);
    if (q !== 0 && !room) {
      this.stats.rxFallback++;
      q = 0;
      room = this.hasBuffers(0, bytes.length, h);
    }
    if (room) {
      const meter = this.meter, m0 = meter ? meter() : 0;
      this.scatter(q, bytes, h, sum);
      if (meter) (this.deviceMs += meter() - m0), this.deviceSpans++;
      this.interrupt(t);
    } else {
      // Missed: counted, and the driver told at once (a receiver-overrun interrupt), so that it
      // can post buffers and count the drop.
      this.stats.rxNoBuffer++;
      this.missed++;
      this.interrupt(t);
    }
    this.link?.release(bytes);
  }

  /** classify: the receive queue steering picks for this frame (0 if none). */
  private classify(b: Uint8Array): number {
    if (b.length < ETH_HLEN + IP4_HLEN || ((b[ETH_TYPE_OFF] << 8) | b[ETH_TYPE_OFF + 1]) !== ETHERTYPE_IPV4) return 0;
    const ip = ETH_HLEN;
    const ihl = (b[ip + Ip4Off.VER_IHL] & 15) * 4;
    if (b[ip + Ip4Off.PROTO] !== IPPROTO_UDP) return 0;
    const frag = fragOffset(b);
    const s0 = ip + Ip4Off.SRC;
    const src = ((b[s0] << 24) | (b[s0 + 1] << 16) | (b[s0 + 2] << 8) | b[s0 + 3]) >>> 0;
    const id = (b[ip + Ip4Off.ID] << 8) | b[ip + Ip4Off.ID + 1];
    if (frag !== 0) return this.fragQueue(src, id);
    if (b.length < ip + ihl + UDP_HLEN) return 0;
    const port = (b[ip + ihl + UdpOff.DPORT] << 8) | b[ip + ihl + UdpOff.DPORT + 1];
    const q = this.steer.get(port) ?? 0;
    if (b[ip + Ip4Off.FRAG] & (IP_MF >> 8)) {
      // A first fragment with more to follow: they go where it goes.
      const e = this.fragN++ % FRAG_FLOWS;
      this.fragSrc[e] = src;
      this.fragId[e] = id;
      this.fragQ[e] = q;
    }
    return q;
  }

  /** fragQueue: the queue of the newest first fragment of (src, id) remembered; 0 if none. */
  private fragQueue(src: number, id: number): number {
    const n = Math.min(this.fragN, FRAG_FLOWS);
    for (let k = 1; k <= n; k++) {
      const e = (this.fragN - k) % FRAG_FLOWS;
      if (this.fragId[e] === id && this.fragSrc[e] === src) return this.fragQ[e];
    }
    return 0;
  }

  /** hasBuffers: has the driver posted room on queue q for a frame of len bytes (at least one
   *  descriptor; with header split, its h bytes of headers go to the first one's header buffer
   *  if they fit there, and only the rest needs data buffers)? scatter never writes past what
   *  this counts. */
  private hasBuffers(q: number, len: number, h: number): boolean {
    const r = this.rx[q];
    if (!r.ring || r.head === r.tail) return false;
    const dv = this.dv;
    let need = len;
    if (h > 0 && h <= dv.getUint16(r.ring + r.head * NIC_RX_DESC + NicRx.HDR_CAP, true)) need -= h;
    let room = 0;
    for (let i = r.head; i !== r.tail && room < need; i = (i + 1) % NIC_RX_DESCS)
      room += dv.getUint16(r.ring + i * NIC_RX_DESC + NicRx.BUF_CAP, true) || 65536;
    return room >= need;
  }

  /** splitPoint: bytes of headers (Ethernet + IP + UDP for a first fragment, + IP otherwise). */
  private splitPoint(b: Uint8Array): number {
    if (b.length < ETH_HLEN + IP4_HLEN || ((b[ETH_TYPE_OFF] << 8) | b[ETH_TYPE_OFF + 1]) !== ETHERTYPE_IPV4) return 0;
    const ihl = (b[ETH_HLEN + Ip4Off.VER_IHL] & 15) * 4;
    const frag = fragOffset(b);
    const udp = b[ETH_HLEN + Ip4Off.PROTO] === IPPROTO_UDP && frag === 0 ? UDP_HLEN : 0;
    return Math.min(b.length, ETH_HLEN + ihl + udp);
  }

  /** scatter: write frame b into the buffers posted on queue q (DMA), its h bytes of headers
   *  into the header buffer if h > 0 and they fit, and complete the descriptors; known: the
   *  sender's sum of some of b's bytes, if it came with the frame. */
  private scatter(q: number, b: Uint8Array, h: number, known: FrameSum | null): void {
    const r = this.rx[q];
    const dv = this.dv;
    const ram = this.ramView!;
    let at = 0;
    let first = true;
    let status = 0;
    // Checksum offload: the sum of the IP payload, frame bytes [sumFrom, sumTo), which the engine
    // reads from RAM piece by piece as the frame lands there (unless the sender's sum of exactly
    // those bytes came with the frame).
    let sumFrom = 0, sumTo = 0, sum = 0;
    if (this.features & NicFeature.CSUM_OFFLOAD && b.length >= ETH_HLEN + IP4_HLEN) {
      const ihl = (b[ETH_HLEN + Ip4Off.VER_IHL] & 15) * 4;
      const tot = Math.min(b.length - ETH_HLEN, (b[ETH_HLEN + Ip4Off.LEN] << 8) | b[ETH_HLEN + Ip4Off.LEN + 1]);
      sumFrom = ETH_HLEN + ihl;
      sumTo = ETH_HLEN + Math.max(ihl, tot);
      status |= NicStatus.CSUM;
      if (known !== null && known.from === sumFrom && sumTo === b.length) {
        sum = known.sum;
        sumTo = sumFrom; // nothing left for the engine to read
      }
    }
    const sc = this.sc;
    const log = this.dmaLog;
    sc.buf = b.buffer;
    sc.off = b.byteOffset;
    sc.sumFrom = sumFrom;
    sc.sumTo = sumTo;
    sc.sum = sum;
    sc.packet = log ? log.rxPackets++ : 0;
    const d0 = r.ring + r.head * NIC_RX_DESC;
    if (h > 0 && h <= dv.getUint16(d0 + NicRx.HDR_CAP, true)) {
      this.scatterPiece(ram, 0, h, dv.getUint32(d0 + NicRx.HDR_ADDR, true));
      dv.setUint16(d0 + NicRx.HDR_LEN, h, true);
      at = h;
      status |= NicStatus.SPLIT;
    } else dv.setUint16(d0 + NicRx.HDR_LEN, 0, true);
    do {
      const d = r.ring + r.head * NIC_RX_DESC;
      const cap = dv.getUint16(d + NicRx.BUF_CAP, true) || 65536;
      const n = Math.min(cap, b.length - at);
      this.scatterPiece(ram, at, n, dv.getUint32(d + NicRx.BUF_ADDR, true));
      at += n;
      dv.setUint16(d + NicRx.LEN, n, true);
      if (!first) dv.setUint16(d + NicRx.HDR_LEN, 0, true);
      const last = at >= b.length;
      dv.setUint16(d + NicRx.STATUS, NicStatus.DONE | (last ? NicStatus.EOP : 0) | (first ? status : 0), true);
      first = false;
      r.head = (r.head + 1) % NIC_RX_DESCS;
    } while (at < b.length);
    if (status & NicStatus.CSUM) dv.setUint16(d0 + NicRx.SUM, sc.sum, true);
  }

  // The frame scatter is writing, and its checksum so far (no closure per frame).
  private readonly sc = { buf: new ArrayBuffer(0) as ArrayBufferLike, off: 0, sumFrom: 0, sumTo: 0, sum: 0, packet: 0 };

  /** scatterPiece: DMA frame bytes [from, from + n) into RAM at pa, summing what the checksum covers. */
  private scatterPiece(ram: Uint8Array, from: number, n: number, pa: number): void {
    const sc = this.sc;
    ram.set(new Uint8Array(sc.buf, sc.off + from, n), pa); // (not subarray: see ramPiece)
    const s = Math.max(from, sc.sumFrom), e = Math.min(from + n, sc.sumTo);
    if (s < e) sc.sum = csumAdd(sc.sum, this.engine.sum(this.ramOff + pa + (s - from), e - s), s - sc.sumFrom);
    const log = this.dmaLog;
    if (log) {
      log.scatter.push(sc.packet, from, n, pa);
      if (s < e) log.rxSum.push(sc.packet, pa + (s - from), e - s);
    }
  }

  /** interrupt: raise the NIC's interrupt at t (coalesced with one already pending then). */
  private interrupt(t: number): void {
    if (this.irqAt === t) return;
    this.irqAt = t;
    this.machine.world.at(t, this.irqFn, this.irqLabel);
  }

  /** irq: the interrupt raised for now is delivered: the kernel's handler runs. */
  private irq(): void {
    this.irqAt = -1;
    this.machine.interrupt(this.machine.world.now, this.kernelIrq);
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

/** jumboOption: where the jumbogram option (net/jumbo.ts) of the IPv4 packet in Ethernet frame
 *  b starts (an index into b), or -1 if its header has none. */
export function jumboOption(b: Uint8Array): number {
  const ip = ETH_HLEN;
  const ihl = (b[ip + Ip4Off.VER_IHL] & 15) * 4;
  for (let i = IP4_HLEN; i + 1 < ihl && ip + i + JUMBO_OPTLEN <= b.length; ) {
    const type = b[ip + i];
    if (type === 0) break; // end of options
    if (type === 1) { i++; continue; } // no-operation
    if (type === JUMBO_OPT && b[ip + i + 1] === JUMBO_OPTLEN) return ip + i;
    i += Math.max(2, b[ip + i + 1]);
  }
  return -1;
}

/** fragOffset: where an IPv4 packet's payload sits in its datagram (bytes): the fragment offset
 *  field, or the 32-bit offset of a jumbogram option (net/jumbo.ts), which this adapter parses. */
export function fragOffset(b: Uint8Array): number {
  const ip = ETH_HLEN;
  const j = jumboOption(b);
  if (j >= 0) return ((b[j + JUMBO_OPT_OFF] << 24) | (b[j + JUMBO_OPT_OFF + 1] << 16) | (b[j + JUMBO_OPT_OFF + 2] << 8) | b[j + JUMBO_OPT_OFF + 3]) >>> 0;
  return (((b[ip + Ip4Off.FRAG] << 8) | b[ip + Ip4Off.FRAG + 1]) & IP_OFFMASK) * 8;
}
