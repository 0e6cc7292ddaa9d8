// tools/host/wire.ts — the wire between two NICs: bandwidth, latency, framing tax, impairments.
//
//        end A                                                        end B
//   transmit(A, f, t) --> [ busy A->B ] --serialise--> latency --> B.receiveFrame(f', arrival)
//   A.receiveFrame   <-- latency <--serialise-- [ busy B->A ] <--   transmit(B, f, t)
//
// Each direction sends one frame at a time, in the order given: a frame starts when it is
// handed over or when the previous frame in that direction has finished, whichever is later,
// and occupies the wire for bitsOnWire / bandwidth; it arrives `latencyNs` after its last bit.
// Bits on the wire include the framing: with cells (ATM), ceil((len + overhead) / cellPayload)
// whole cells of cellSize bytes; without, len (padded to minFrameBytes) + overhead bytes.
//
// Impairments are drawn from the wire's own generator (forked from the world's seed), five
// draws per frame in a fixed order, so a run is reproducible and, for instance, the frames lost
// are the same whether or not corruption is also on. A lost frame still takes its wire time;
// the other impairments apply to frames not lost (and are counted only for those).
// A corrupted frame has one random bit flipped; a duplicated one is delivered twice at the same
// time; a reordered one arrives reorderDelayNs late, so frames sent after it can overtake it.
// The capture (pcap) sees frames as sent (captureAt "send", at their first bit), or as received
// (captureAt "receive", at arrival: corruption visible, lost frames absent).

import { ConfigError } from "./errors";
import { PcapWriter } from "./pcap";
import { framePool } from "./framepool";
import type { Rng } from "./rng";
import type { WorldClock } from "./views";

/** Anything a wire can deliver frames to (a NIC). */
/**
 * FrameSum: what a sending adapter's checksum engine found: the one's-complement sum of the
 * frame's bytes [from, end), as a message starting at `from`. The wire passes it on with the
 * frame unless it flips a bit in it, and the receiving adapter then uses it instead of summing
 * the same bytes again. A shortcut of the simulator, not a feature of the wire: the value is
 * exactly what the receiver's engine would compute from the same bytes (one's-complement sums
 * do not depend on how the bytes are grouped), so nothing the kernel sees changes.
 */
export interface FrameSum {
  from: number;
  sum: number;
}

export interface WireEnd {
  /** receiveFrame: a whole frame has arrived at simulated time t; the bytes are the receiver's
   *  own. sum: what the sender said about the bytes (tools/host/nic.ts, FrameSum), if anything
   *  and if the wire did not corrupt them. */
  receiveFrame(bytes: Uint8Array, t: number, sum?: FrameSum | null): void;
}

export interface WireOptions {
  /** Name in errors and displays (default "wire"). */
  name?: string;
  /** Raw bit rate of each direction, bits per second (> 0). */
  bandwidthBps: number;
  /** Propagation delay, ns (>= 0). */
  latencyNs: number;
  /** Cell framing: payload bytes per cell and bytes per cell on the wire (both or neither). */
  cellPayload?: number;
  cellSize?: number;
  /** Bytes added to every frame before cell padding (AAL5 trailer 8; Ethernet preamble, FCS and gap 24). */
  perFrameOverhead?: number;
  /** Frames shorter than this are padded to it on the wire (Ethernet: 60, without the FCS). */
  minFrameBytes?: number;
  /** Probabilities per frame, in [0, 1]: lost, one bit flipped, delivered twice, delayed. */
  loss?: number;
  corrupt?: number;
  duplicate?: number;
  reorder?: number;
  /** How late a reordered frame arrives, ns (default 100 µs). */
  reorderDelayNs?: number;
  /** Capture every frame into this writer. */
  pcap?: PcapWriter;
  /** Where the capture sits: "send" (default) or "receive". */
  captureAt?: "send" | "receive";
}

const EMPTY = new Uint8Array(0);

/** Flight: frames in flight one way, oldest at head: the bytes and the sender's sum (from -1: none). */
class Flight {
  frames: Uint8Array[] = [];
  sumFrom: number[] = [];
  sums: number[] = [];
  head = 0;
  add(frame: Uint8Array, sum: FrameSum | null): void {
    this.frames.push(frame);
    this.sumFrom.push(sum ? sum.from : -1);
    this.sums.push(sum ? sum.sum : 0);
  }
  clear(): void {
    this.frames.length = this.sumFrom.length = this.sums.length = 0;
    this.head = 0;
  }
}

/** ATM with AAL5, as on the Credit Net network: 8-byte trailer, padded to 48-byte cell payloads, 53-byte cells. */
export const ATM_AAL5 = { cellPayload: 48, cellSize: 53, perFrameOverhead: 8 } as const;
/** Ethernet: preamble and SFD 8 + FCS 4 + inter-frame gap 12 bytes per frame; minimum frame 60 bytes before the FCS. */
export const ETHERNET = { perFrameOverhead: 24, minFrameBytes: 60 } as const;

export interface WireCounters {
  /** Frames handed to the wire (both directions), and their bytes. */
  frames: number;
  bytes: number;
  /** Bytes the wire carried, framing included. */
  wireBytes: number;
  /** Frames handed to a receiver (a duplicate counts twice). */
  delivered: number;
  lost: number;
  /** Frames not lost that were corrupted, duplicated, delayed. */
  corrupted: number;
  duplicated: number;
  reordered: number;
}

export interface Transmission {
  /** When the first bit left, when the last bit left (the sender's buffer is free again), ns. */
  startNs: number;
  doneNs: number;
  /** When the frame reaches the other end; null if it was lost. */
  arriveNs: number | null;
}

const OPTION_KEYS = new Set([
  "name", "bandwidthBps", "latencyNs", "cellPayload", "cellSize", "perFrameOverhead", "minFrameBytes",
  "loss", "corrupt", "duplicate", "reorder", "reorderDelayNs", "pcap", "captureAt",
]);

export class Wire {
  readonly name: string;
  private readonly arriveLabel: string;
  readonly bandwidthBps: number;
  readonly latencyNs: number;
  readonly cellPayload: number;
  readonly cellSize: number;
  readonly perFrameOverhead: number;
  readonly minFrameBytes: number;
  readonly loss: number;
  readonly corrupt: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly reorderDelayNs: number;
  /** The capture (null: none); a wire may stop capturing by setting it to null. */
  pcap: PcapWriter | null;
  readonly captureAt: "send" | "receive";
  private readonly rng: Rng;
  private readonly impaired: boolean;
  private ends: [WireEnd, WireEnd] | null = null;
  private busyUntil = [0, 0];
  // Frames in flight on a wire without impairments, per direction: they arrive in the order
  // they were sent, so one function per direction, made once, delivers the oldest (no closure
  // and no sum object per frame). Parallel arrays from head; emptied when all have arrived.
  private flight = [new Flight(), new Flight()];
  private readonly arriveFns = [() => this.arrive(0), () => this.arrive(1)];
  private readonly arrivingSum: FrameSum = { from: 0, sum: 0 };
  private c: WireCounters = { frames: 0, bytes: 0, wireBytes: 0, delivered: 0, lost: 0, corrupted: 0, duplicated: 0, reordered: 0 };

  constructor(readonly world: WorldClock, opts: WireOptions) {
    if (typeof opts !== "object" || opts === null) throw new ConfigError("wire: options must be an object");
    for (const k of Object.keys(opts)) if (!OPTION_KEYS.has(k)) throw new ConfigError(`wire: unknown option "${k}" (known: ${[...OPTION_KEYS].join(", ")})`);
    this.name = opts.name ?? "wire";
    this.arriveLabel = `${this.name}: frame arrives`;
    const fail = (field: string, what: string, v: unknown): never => {
      throw new ConfigError(`${this.name}: ${field} ${what}, got ${JSON.stringify(v)}`);
    };
    const num = (field: keyof WireOptions, min: number, dflt: number | undefined, int = false): number => {
      const v = opts[field] ?? dflt;
      if (v === undefined) fail(field, "is required", v);
      if (typeof v !== "number" || !Number.isFinite(v) || v < min || (int && !Number.isInteger(v)))
        fail(field, `must be a finite ${int ? "integer" : "number"} >= ${min}`, v);
      return v as number;
    };
    const prob = (field: keyof WireOptions): number => {
      const v = opts[field] ?? 0;
      if (typeof v !== "number" || !(v >= 0 && v <= 1)) fail(field, "must be a probability in [0, 1]", v);
      return v as number;
    };
    this.bandwidthBps = num("bandwidthBps", 0, undefined);
    if (this.bandwidthBps === 0) fail("bandwidthBps", "must be > 0", 0);
    this.latencyNs = num("latencyNs", 0, undefined);
    if ((opts.cellPayload === undefined) !== (opts.cellSize === undefined))
      fail(opts.cellPayload === undefined ? "cellPayload" : "cellSize", "must be given together with the other of cellPayload / cellSize", undefined);
    this.cellPayload = num("cellPayload", 0, 0, true);
    this.cellSize = num("cellSize", 0, 0, true);
    if (opts.cellPayload !== undefined && (this.cellPayload < 1 || this.cellSize < this.cellPayload))
      fail("cellSize", `must be >= cellPayload (${this.cellPayload}) >= 1`, this.cellSize);
    this.perFrameOverhead = num("perFrameOverhead", 0, 0, true);
    this.minFrameBytes = num("minFrameBytes", 0, 0, true);
    this.loss = prob("loss");
    this.corrupt = prob("corrupt");
    this.duplicate = prob("duplicate");
    this.reorder = prob("reorder");
    this.reorderDelayNs = num("reorderDelayNs", 0, 100_000);
    if (opts.pcap !== undefined && !(opts.pcap instanceof PcapWriter)) fail("pcap", "must be a PcapWriter", typeof opts.pcap);
    this.pcap = opts.pcap ?? null;
    const at = opts.captureAt ?? "send";
    if (at !== "send" && at !== "receive") fail("captureAt", 'must be "send" or "receive"', at);
    this.captureAt = at;
    this.impaired = this.loss + this.corrupt + this.duplicate + this.reorder > 0;
    this.rng = world.rng.fork();
  }

  /** attach: connect the two ends (once; they must differ). */
  attach(a: WireEnd, b: WireEnd): void {
    if (this.ends) throw new ConfigError(`${this.name}: already attached`);
    for (const e of [a, b])
      if (typeof e?.receiveFrame !== "function") throw new ConfigError(`${this.name}: an end must have receiveFrame(bytes, t)`);
    if (a === b) throw new ConfigError(`${this.name}: both ends are the same object`);
    this.ends = [a, b];
  }

  /** wireBytes: bytes a frame of len bytes occupies on the wire, framing included. */
  wireBytes(len: number): number {
    const framed = Math.max(len, this.minFrameBytes) + this.perFrameOverhead;
    return this.cellPayload ? Math.ceil(framed / this.cellPayload) * this.cellSize : framed;
  }

  /** frameTimeNs: how long a frame of len bytes occupies one direction of the wire, ns. */
  frameTimeNs(len: number): number {
    return (this.wireBytes(len) * 8 * 1e9) / this.bandwidthBps;
  }

  /**
   * transmit: send bytes from end `from`, handed over at time t; when it leaves and arrives.
   * The wire delivers a copy, so the sender may reuse its buffer at once; a sender that hands
   * over a buffer it will never touch again passes `owned`, and the wire delivers that buffer
   * itself (it may flip a bit in it, with corruption on). A duplicate is always a copy: each
   * delivery is the receiver's own. A sum the sender knows of the bytes (FrameSum) travels with
   * them, and is dropped if they are corrupted.
   */
  transmit(from: WireEnd, bytes: Uint8Array, t: number, owned = false, sum: FrameSum | null = null): Transmission {
    const ends = this.ends;
    if (!ends) throw new Error(`${this.name}: transmit before attach`);
    const dir = from === ends[0] ? 0 : from === ends[1] ? 1 : -1;
    if (dir < 0) throw new Error(`${this.name}: transmit from an end that is not attached to this wire`);
    if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new Error(`${this.name}: transmit needs a non-empty Uint8Array`);
    if (!(t >= this.world.now) || !Number.isFinite(t)) throw new Error(`${this.name}: transmit at ${t} ns, before now (${this.world.now} ns)`);
    const to = ends[1 - dir];
    const c = this.c;
    const startNs = Math.max(t, this.busyUntil[dir]);
    const doneNs = startNs + this.frameTimeNs(bytes.length);
    this.busyUntil[dir] = doneNs;
    c.frames++;
    c.bytes += bytes.length;
    c.wireBytes += this.wireBytes(bytes.length);
    const frame = owned ? bytes : bytes.slice();
    if (this.pcap && this.captureAt === "send") this.pcap.record(startNs, frame);

    let arriveNs = doneNs + this.latencyNs;
    if (this.impaired) {
      if (sum) sum = { from: sum.from, sum: sum.sum }; // its own: the sender may reuse the one it passed
      const rng = this.rng;
      const lost = rng.next() < this.loss, corrupt = rng.next() < this.corrupt;
      const dup = rng.next() < this.duplicate, late = rng.next() < this.reorder;
      const bit = Math.floor(rng.next() * frame.length * 8);
      if (lost) {
        c.lost++;
        if (owned) framePool.give(frame);
        return { startNs, doneNs, arriveNs: null };
      }
      if (corrupt) {
        frame[bit >>> 3] ^= 1 << (bit & 7);
        c.corrupted++;
        sum = null;
      }
      if (late) {
        arriveNs += this.reorderDelayNs;
        c.reordered++;
      }
      if (dup) {
        c.duplicated++;
        const twin = frame.slice();
        this.world.at(arriveNs, () => this.deliver(to, frame, arriveNs, sum), this.arriveLabel);
        this.world.at(arriveNs, () => this.deliver(to, twin, arriveNs, sum), this.arriveLabel);
        return { startNs, doneNs, arriveNs };
      }
      this.world.at(arriveNs, () => this.deliver(to, frame, arriveNs, sum), this.arriveLabel);
    } else {
      this.flight[dir].add(frame, sum);
      this.world.at(arriveNs, this.arriveFns[dir], this.arriveLabel);
    }
    return { startNs, doneNs, arriveNs };
  }

  /** arrive: the oldest frame in flight in direction dir arrives (now). */
  private arrive(dir: number): void {
    const f = this.flight[dir], i = f.head++;
    const frame = f.frames[i];
    let sum: FrameSum | null = null;
    if (f.sumFrom[i] >= 0) (sum = this.arrivingSum), (sum.from = f.sumFrom[i]), (sum.sum = f.sums[i]);
    f.frames[i] = EMPTY;
    if (f.head === f.frames.length) f.clear();
    this.deliver(this.ends![1 - dir], frame, this.world.now, sum);
  }

  /** buffer: a buffer of len bytes for a frame to send, lent by the wire (see framepool.ts);
   *  its contents are undefined. Hand it over with transmit(..., owned). */
  buffer(len: number): Uint8Array {
    return framePool.take(len);
  }

  /** release: a receiver is done with a frame the wire delivered (its bytes may be reused). */
  release(bytes: Uint8Array): void {
    framePool.give(bytes);
  }

  /** counters: frames and bytes carried, and impairments applied, so far (a copy). */
  counters(): WireCounters {
    return { ...this.c };
  }

  private deliver(to: WireEnd, frame: Uint8Array, t: number, sum: FrameSum | null): void {
    if (this.pcap && this.captureAt === "receive") this.pcap.record(t, frame);
    this.c.delivered++;
    to.receiveFrame(frame, t, sum);
  }
}
