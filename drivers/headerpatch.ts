// drivers/headerpatch.ts — header patching: contiguous, page-aligned payloads without header
// split (in the style of Genie: the purpose is published, this algorithm is our reconstruction).
//
// Without header split each packet arrives as one run [headers | data]. To keep the data of a
// datagram contiguous in the receive layout (drivers/rxlayout.ts), packet k is posted so that
// its data starts exactly where packet k-1's data ended: its h headers then land on the last h
// data bytes of packet k-1.
//
//   layout   ... data of k-1 .............][ data of k .........
//                              [ hdrs k  ]                          posted buffer of packet k
//                              ^ saved before k is posted, put back once k's headers are parsed
//
// Cost: about 2h bytes copied per packet (counted as BytesCopied), whatever its size.

import { Counter, Ev, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "../base/abi";
import { panic } from "../base/panic";
import { count } from "../base/stats";
import { framePtr } from "../vm/ram";
import { spin } from "../base/panic";
import { trace } from "../base/trace";

/** Most header bytes one packet can patch over (Ethernet + IP with options + UDP). */
export const PATCH_MAX = 64;

/** HeaderPatch: the bytes saved from under the next packet's headers, and where they go back. */
export class HeaderPatch {
  saved: StaticArray<u8> = new StaticArray<u8>(PATCH_MAX);
  len: u32 = 0; // bytes saved (0: none)
  v: u32 = 0; // their layout offset
}

/** patchSave: save the n bytes at layout offset v of frames, which the next packet's headers will cover. */
export function patchSave(h: HeaderPatch, frames: Array<u32>, v: u32, n: u32): void {
  // @solution patch begin
  h.v = v;
  h.len = n;
  copyLayout(frames, v, changetype<usize>(h.saved), n, true);
  // @solution patch stub
  // panic("assignment patch: implement patchSave (drivers/headerpatch.ts)");
  // @solution patch end
}

/** patchSaved: bytes saved from under the next packet's headers (0: none). */
export function patchSaved(h: HeaderPatch): u32 {
  return h.len;
}

/** patchRestore: put the saved bytes back over the packet's headers, now parsed (no-op if none). */
export function patchRestore(h: HeaderPatch, frames: Array<u32>): void {
  if (h.len == 0) return;
  // @solution patch begin
  copyLayout(frames, h.v, changetype<usize>(h.saved), h.len, false);
  h.len = 0;
  // @solution patch stub
  // panic("assignment patch: implement patchRestore (drivers/headerpatch.ts)");
  // @solution patch end
}

/** copyLayout: copy n bytes between layout offset v of frames and buf (out: layout -> buf), counted. */
function copyLayout(frames: Array<u32>, v: u32, buf: usize, n: u32, out: bool): void {
  let done: u32 = 0;
  while (done < n) {
    spin("drivers/headerpatch.ts copyLayout");
    const at = v + done;
    const f = frames[at >> PAGE_SHIFT];
    const k = min(n - done, PAGE_SIZE - (at & PAGE_MASK));
    const ptr = framePtr(f) + (at & PAGE_MASK);
    if (out) memory.copy(buf + done, ptr, k);
    else {
      memory.copy(ptr, buf + done, k);
      trace(Ev.NetPatch, <i32>((f << PAGE_SHIFT) | (at & PAGE_MASK)), <i32>k);
    }
    done += k;
  }
  count(Counter.BytesCopied, n);
}
