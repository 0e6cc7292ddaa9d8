;; tools/host/hw/csum.wat — the NIC's checksum engine: the Internet checksum's sum (RFC 1071),
;; read straight from the machine's RAM, as an adapter's checksum-offload hardware does.
;;
;; The device model (tools/host/nic.ts, through csum.ts) instantiates this module with the
;; kernel's linear memory as its own (import env.memory) and sums the RAM a packet was gathered
;; from (transmit) or scattered into (receive). It is hardware: nothing here is kernel work,
;; counted or charged. tools/build/build.mjs assembles it into csum-wasm.ts.
;;
;;   sum(ptr, len) -> the 16-bit one's-complement sum of the bytes [ptr, ptr + len) read as
;;                    big-endian 16-bit words, as if ptr were at an even message offset (an odd
;;                    last byte is padded with a zero byte); 0 when len is 0. Any alignment.
;;
;; How it is fast. WebAssembly loads are little-endian, and by RFC 1071's byte-order
;; independence the sum of little-endian words is the byte-swapped sum of the big-endian ones:
;; so the engine adds words as they load and swaps the two bytes of the result once.
;;   bulk     64 bytes per step: four 16-byte SIMD loads; i32x4.extadd_pairwise_i16x8_u adds
;;            neighbouring 16-bit words into four 32-bit lanes. A step adds at most
;;            4 x 2 x 0xffff to a lane, so a lane cannot overflow within 8192 steps (512 KiB):
;;            the bulk runs in chunks of at most that many steps, and each chunk's four lanes
;;            are added into a 64-bit total.
;;   tail     8 bytes per step (the two 32-bit halves of an i64 load), then 4, 2 and 1 byte.
;;   finish   fold the 64-bit total to 16 bits with end-around carries; swap the bytes.
;; The total is an exact integer (no carry is ever lost), so the result does not depend on how
;; the bytes were grouped: any correct one's-complement sum of the same bytes gives the same value.
(module
  (import "env" "memory" (memory 0))

  (func (export "sum") (param $p i32) (param $n i32) (result i32)
    (local $total i64)
    (local $lanes v128)
    (local $steps i32)
    (local $w i64)
    ;; bulk: chunks of at most 8192 steps of 64 bytes
    (block $bulkDone
      (loop $chunk
        (br_if $bulkDone (i32.lt_u (local.get $n) (i32.const 64)))
        (local.set $lanes (v128.const i64x2 0 0))
        (local.set $steps (i32.const 8192))
        (block $chunkDone
          (loop $step
            (br_if $chunkDone (i32.lt_u (local.get $n) (i32.const 64)))
            (br_if $chunkDone (i32.eqz (local.get $steps)))
            (local.set $lanes (i32x4.add (local.get $lanes)
              (i32x4.add
                (i32x4.add (i32x4.extadd_pairwise_i16x8_u (v128.load offset=0 (local.get $p)))
                           (i32x4.extadd_pairwise_i16x8_u (v128.load offset=16 (local.get $p))))
                (i32x4.add (i32x4.extadd_pairwise_i16x8_u (v128.load offset=32 (local.get $p)))
                           (i32x4.extadd_pairwise_i16x8_u (v128.load offset=48 (local.get $p)))))))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (local.set $n (i32.sub (local.get $n) (i32.const 64)))
            (local.set $steps (i32.sub (local.get $steps) (i32.const 1)))
            (br $step)))
        (local.set $total (i64.add (local.get $total)
          (i64.add
            (i64.add (i64.extend_i32_u (i32x4.extract_lane 0 (local.get $lanes)))
                     (i64.extend_i32_u (i32x4.extract_lane 1 (local.get $lanes))))
            (i64.add (i64.extend_i32_u (i32x4.extract_lane 2 (local.get $lanes)))
                     (i64.extend_i32_u (i32x4.extract_lane 3 (local.get $lanes)))))))
        (br $chunk)))
    ;; tail: 8 bytes per step
    (block $tailDone
      (loop $step8
        (br_if $tailDone (i32.lt_u (local.get $n) (i32.const 8)))
        (local.set $w (i64.load (local.get $p)))
        (local.set $total (i64.add (local.get $total)
          (i64.add (i64.and (local.get $w) (i64.const 0xffffffff)) (i64.shr_u (local.get $w) (i64.const 32)))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $n (i32.sub (local.get $n) (i32.const 8)))
        (br $step8)))
    ;; then 4, 2 and 1 byte (a last odd byte is the low byte of a little-endian word: zero padding after it)
    (if (i32.ge_u (local.get $n) (i32.const 4))
      (then
        (local.set $total (i64.add (local.get $total) (i64.load32_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 4)))))
    (if (i32.ge_u (local.get $n) (i32.const 2))
      (then
        (local.set $total (i64.add (local.get $total) (i64.load16_u (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (local.set $n (i32.sub (local.get $n) (i32.const 2)))))
    (if (local.get $n)
      (then (local.set $total (i64.add (local.get $total) (i64.load8_u (local.get $p))))))
    (call $swap16 (call $fold (local.get $total))))

  ;; fold: a 64-bit sum of 16-bit words, folded to 16 bits with end-around carries
  (func $fold (param $s i64) (result i32)
    (local $t i32)
    (local.set $s (i64.add (i64.and (local.get $s) (i64.const 0xffffffff)) (i64.shr_u (local.get $s) (i64.const 32))))
    (local.set $s (i64.add (i64.and (local.get $s) (i64.const 0xffffffff)) (i64.shr_u (local.get $s) (i64.const 32))))
    (local.set $t (i32.wrap_i64 (local.get $s)))
    (local.set $t (i32.add (i32.and (local.get $t) (i32.const 0xffff)) (i32.shr_u (local.get $t) (i32.const 16))))
    (i32.add (i32.and (local.get $t) (i32.const 0xffff)) (i32.shr_u (local.get $t) (i32.const 16))))

  ;; swap16: exchange the two bytes of a 16-bit value
  (func $swap16 (param $x i32) (result i32)
    (i32.or (i32.shr_u (local.get $x) (i32.const 8))
            (i32.and (i32.shl (local.get $x) (i32.const 8)) (i32.const 0xff00))))
)
