;; Element-wise maps and copies over float32 arrays in the tfjs wasm backend's own memory
;; (imported), four values at a time. The backend runs the per-channel map and relu as XNNPACK
;; operators (a 1x1 depthwise convolution, a clamp), which on two threads start its thread pool for
;; every call, often several times the cost of the pass itself at the sizes of a training step.
;; Each value is computed as there, so results do not change (but for NaN, which the depthwise
;; convolution's clamp turned into -Infinity, and which stays NaN here, as on the cpu backend).
;; Relu's gradient and the convolution gradients' copies, zeroing and sums replace compositions of
;; tf ops and JavaScript loops.
;; Pointers are byte offsets. Compiled by scripts/build-wasm.ts into elementwise_wasm.ts.
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
        (br $lanes))))

  ;; out[i] = dy[i] * step(x[i]), relu's gradient as tfjs composes it (mul(dy, step(x))) in one
  ;; pass, with the cpu backend's step: 1 where x > 0, NaN where x is NaN, else 0. So dy times 0
  ;; keeps its sign (-0) and turns infinities into NaN, as there. `count` is a multiple of 4.
  (func (export "reluGradient") (param $dy i32) (param $x i32) (param $out i32) (param $count i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $v (v128.load (local.get $x)))
        (v128.store (local.get $out)
          (f32x4.mul
            (v128.load (local.get $dy))
            (v128.bitselect
              (local.get $v)
              (v128.bitselect
                (v128.const f32x4 1 1 1 1)
                (v128.const f32x4 0 0 0 0)
                (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0)))
              (f32x4.ne (local.get $v) (local.get $v)))))
        (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $lanes))))

  ;; Copies `rows` rows of `pixels` pixels of `pixelBytes` (a multiple of 4) each from `source`
  ;; (rows `sourceRowBytes` apart, pixels packed) to `target` (rows `targetRowBytes` apart, pixels
  ;; `targetPixelBytes` apart): one phase of a strided convolution's input gradient written into
  ;; its rows and columns, or a window of an image (conv_gradients.ts). Sixteen bytes a move, then
  ;; four.
  (func (export "copyPixels")
    (param $source i32) (param $sourceRowBytes i32) (param $target i32) (param $targetRowBytes i32)
    (param $rows i32) (param $pixels i32) (param $pixelBytes i32) (param $targetPixelBytes i32)
    (local $from i32) (local $to i32) (local $left i32) (local $k i32) (local $vectorBytes i32)
    (local.set $vectorBytes (i32.and (local.get $pixelBytes) (i32.const -16)))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $from (local.get $source))
        (local.set $to (local.get $target))
        (local.set $left (local.get $pixels))
        (block $rowDone
          (loop $pixel
            (br_if $rowDone (i32.eqz (local.get $left)))
            (local.set $k (i32.const 0))
            (block $vectorsDone
              (loop $vectors
                (br_if $vectorsDone (i32.ge_u (local.get $k) (local.get $vectorBytes)))
                (v128.store (i32.add (local.get $to) (local.get $k)) (v128.load (i32.add (local.get $from) (local.get $k))))
                (local.set $k (i32.add (local.get $k) (i32.const 16)))
                (br $vectors)))
            (block $wordsDone
              (loop $words
                (br_if $wordsDone (i32.ge_u (local.get $k) (local.get $pixelBytes)))
                (i32.store (i32.add (local.get $to) (local.get $k)) (i32.load (i32.add (local.get $from) (local.get $k))))
                (local.set $k (i32.add (local.get $k) (i32.const 4)))
                (br $words)))
            (local.set $from (i32.add (local.get $from) (local.get $pixelBytes)))
            (local.set $to (i32.add (local.get $to) (local.get $targetPixelBytes)))
            (local.set $left (i32.sub (local.get $left) (i32.const 1)))
            (br $pixel)))
        (local.set $source (i32.add (local.get $source) (local.get $sourceRowBytes)))
        (local.set $target (i32.add (local.get $target) (local.get $targetRowBytes)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $row))))

  ;; Zeroes `runs` runs of `bytes` bytes (a multiple of 4), `step` bytes apart from `target` on:
  ;; the padding between the rows of a window (conv_gradients.ts). Sixteen bytes a store, then four.
  (func (export "zeroRuns") (param $target i32) (param $runs i32) (param $bytes i32) (param $step i32)
    (local $k i32) (local $vectorBytes i32)
    (local.set $vectorBytes (i32.and (local.get $bytes) (i32.const -16)))
    (block $done
      (loop $run
        (br_if $done (i32.eqz (local.get $runs)))
        (local.set $k (i32.const 0))
        (block $vectorsDone
          (loop $vectors
            (br_if $vectorsDone (i32.ge_u (local.get $k) (local.get $vectorBytes)))
            (v128.store (i32.add (local.get $target) (local.get $k)) (v128.const i32x4 0 0 0 0))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br $vectors)))
        (block $wordsDone
          (loop $words
            (br_if $wordsDone (i32.ge_u (local.get $k) (local.get $bytes)))
            (i32.store (i32.add (local.get $target) (local.get $k)) (i32.const 0))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $words)))
        (local.set $target (i32.add (local.get $target) (local.get $step)))
        (local.set $runs (i32.sub (local.get $runs) (i32.const 1)))
        (br $run))))

  ;; target[i] += source[i] for `count` values (a multiple of 4): the filter gradient's partial
  ;; sums added up in a fixed order (conv_gradients.ts).
  (func (export "accumulate") (param $target i32) (param $source i32) (param $count i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $target) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $target) (local.get $end)))
        (v128.store (local.get $target)
          (f32x4.add (v128.load (local.get $target)) (v128.load (local.get $source))))
        (local.set $target (i32.add (local.get $target) (i32.const 16)))
        (local.set $source (i32.add (local.get $source) (i32.const 16)))
        (br $lanes)))))
