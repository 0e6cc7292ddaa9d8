// tools/host/framepool.ts — buffers for frames in flight, lent and taken back instead of
// allocated for every frame.
//
// Each frame a NIC sends needs a buffer for the wire to carry. A fresh ArrayBuffer per frame
// costs many times more than copying the frame into it (its memory lives outside the JS heap,
// is zeroed, and is reclaimed only by garbage collection), so a wire keeps a pool (Wire.buffer,
// Wire.release): the sending adapter gathers a frame into a buffer from the pool and hands it
// over (transmit with ownership); the receiving adapter gives it back once the frame is in RAM.
//
// Buffers come in power-of-two sizes (2 KiB .. 128 KiB); a frame is a view of the first len
// bytes of one. Only buffers this pool lent are taken back, each once: anything else given to
// release (a copy, a test's own array) is ignored. A buffer never given back is simply
// garbage-collected. Every wire lends from one pool (framePool), kept as long as the program
// runs: the worlds made one after another (a benchmark's pairs, the playground's runs again)
// lend the same buffers, and enough of them are kept for the frames of a burst in flight. In
// a browser a new ArrayBuffer costs tens of microseconds, many times what it costs in Node.

const MIN_SHIFT = 11; // 2 KiB
const MAX_FREE_BYTES = 4 << 20; // bytes of buffers kept per size

/** A buffer of the pool: it knows whether it is lent (cheaper to test than a WeakSet). */
class PoolBuffer extends ArrayBuffer {
  lent = false;
}

export class FramePool {
  private free: PoolBuffer[][] = [];
  /** Buffers made so far (a take that found none free). */
  made = 0;

  /** take: a view of len bytes (contents undefined: the caller overwrites them) of a lent buffer. */
  take(len: number): Uint8Array {
    const k = sizeClass(len);
    const buf = this.free[k]?.pop() ?? (this.made++, new PoolBuffer(1 << k));
    buf.lent = true;
    return new Uint8Array(buf, 0, len);
  }

  /** give: the holder of a lent frame is done with it: its buffer can be lent again. */
  give(bytes: Uint8Array): void {
    const buf = bytes.buffer;
    if (!(buf instanceof PoolBuffer) || !buf.lent) return;
    buf.lent = false;
    const list = (this.free[sizeClass(buf.byteLength)] ??= []);
    if (list.length < MAX_FREE_BYTES / buf.byteLength) list.push(buf);
  }
}

/** sizeClass: log2 of the smallest pool buffer that holds len bytes. */
function sizeClass(len: number): number {
  return Math.max(MIN_SHIFT, 32 - Math.clz32(Math.max(1, len) - 1));
}

/** framePool: the pool every wire lends from. */
export const framePool = new FramePool();
