;; Element-wise maps over float32 arrays in the tfjs wasm backend's own memory (imported), four
;; values at a time. The backend runs these maps as XNNPACK operators (a 1x1 depthwise
;; convolution for the per-channel map, a clamp for relu), which on two threads start its thread
;; pool for every call, often several times the cost of the pass itself at the sizes of a
;; training step. Each value is computed as there, so results do not change (but for NaN, which
;; the depthwise convolution's clamp turned into -Infinity, and which stays NaN here, as on the
;; cpu backend). Pointers are byte offsets. Compiled by scripts/build-wasm.ts into
;; elementwise_wasm.ts.
(module
  (import "env" "memory" (memory 0))

  ;; out[r, c] = x[r, c] * scale[c] + shift[c], for `rows` rows of `channels` (a multiple of 4).
  (func (export "affine")
    (param $x i32) (param $scale i32) (param $shift i32) (param $out i32)
    (param $rows i32) (param $channels i32)
    (local $rowBytes i32) (local $end i32) (local $c i32)
    (local.set $rowBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $lanes
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $out) (local.get $c))
              (f32x4.add
                (f32x4.mul
                  (v128.load (i32.add (local.get $x) (local.get $c)))
                  (v128.load (i32.add (local.get $scale) (local.get $c))))
                (v128.load (i32.add (local.get $shift) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $lanes)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
        (br $row))))

  ;; out[i] = max(x[i], 0) for `count` values (a multiple of 4): NaN stays NaN and -0 gives 0, as
  ;; with the backend's clamp and the cpu backend's Math.max. Sixteen values a turn, then four.
  (func (export "relu") (param $x i32) (param $out i32) (param $count i32)
    (local $end i32) (local $blocksEnd i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $blocksEnd (i32.sub (local.get $end) (i32.and (i32.shl (local.get $count) (i32.const 2)) (i32.const 63))))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.ge_u (local.get $x) (local.get $blocksEnd)))
        (v128.store (local.get $out) (f32x4.add (f32x4.pmax (v128.load (local.get $x)) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 0 0 0 0)))
        (v128.store offset=16 (local.get $out)
          (f32x4.add (f32x4.pmax (v128.load offset=16 (local.get $x)) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 0 0 0 0)))
        (v128.store offset=32 (local.get $out)
          (f32x4.add (f32x4.pmax (v128.load offset=32 (local.get $x)) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 0 0 0 0)))
        (v128.store offset=48 (local.get $out)
          (f32x4.add (f32x4.pmax (v128.load offset=48 (local.get $x)) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 0 0 0 0)))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (local.set $out (i32.add (local.get $out) (i32.const 64)))
        (br $blocks)))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (v128.store (local.get $out) (f32x4.add (f32x4.pmax (v128.load (local.get $x)) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 0 0 0 0)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $lanes)))))
