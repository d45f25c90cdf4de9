;; Batch norm in training (its variance and its gradient) over float32 arrays in the tfjs wasm
;; backend's own memory (imported): rows x channels values, channels innermost and a multiple of 4,
;; four channels at a time. Pointers are byte offsets. Compiled by scripts/build-wasm.ts into
;; batch_norm_training_wasm.ts.
(module
  (import "env" "memory" (memory 0))

  ;; out[r, c] = dy[r, c] * a[c] + centred[r, c] * b[c] + d[c]
  (func (export "inputGradient")
    (param $dy i32) (param $centred i32) (param $a i32) (param $b i32) (param $d i32) (param $out i32)
    (param $rows i32) (param $channels i32)
    (local $rowBytes i32) (local $end i32) (local $c i32)
    (local.set $rowBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $end (i32.add (local.get $dy) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $dy) (local.get $end)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $lanes
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $out) (local.get $c))
              (f32x4.add
                (f32x4.add
                  (f32x4.mul
                    (v128.load (i32.add (local.get $dy) (local.get $c)))
                    (v128.load (i32.add (local.get $a) (local.get $c))))
                  (f32x4.mul
                    (v128.load (i32.add (local.get $centred) (local.get $c)))
                    (v128.load (i32.add (local.get $b) (local.get $c)))))
                (v128.load (i32.add (local.get $d) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $lanes)))
        (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
        (local.set $centred (i32.add (local.get $centred) (local.get $rowBytes)))
        (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
        (br $row))))

  ;; Zeros `bytes` (a multiple of 16) from `at`.
  (func $zero (param $at i32) (param $bytes i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $at) (local.get $bytes)))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (v128.store (local.get $at) (v128.const i32x4 0 0 0 0))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $lanes))))

  ;; dySum[c] = sum over r of dy[r, c]; productSum[c] = sum over r of dy[r, c] * centred[r, c], for
  ;; rows of `width` channels. The rows are summed in blocks of 32 (in `partial`, 2 x width floats of
  ;; scratch), then the blocks: each value passes through two sums of at most rows / 32 and 32
  ;; terms, not one of `rows`, which keeps float32's rounding error near that of a pairwise sum.
  (func (export "sums")
    (param $dy i32) (param $centred i32) (param $partial i32) (param $dySum i32) (param $productSum i32)
    (param $rows i32) (param $width i32)
    (local $widthBytes i32) (local $products i32) (local $block i32) (local $c i32)
    (local $x v128)
    (local.set $widthBytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $products (i32.add (local.get $partial) (local.get $widthBytes)))
    (call $zero (local.get $dySum) (local.get $widthBytes))
    (call $zero (local.get $productSum) (local.get $widthBytes))
    (block $done
      (loop $blocks
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $block
          (select (i32.const 32) (local.get $rows) (i32.gt_u (local.get $rows) (i32.const 32))))
        (local.set $rows (i32.sub (local.get $rows) (local.get $block)))
        (call $zero (local.get $partial) (i32.shl (local.get $widthBytes) (i32.const 1)))
        (block $blockDone
          (loop $row
            (br_if $blockDone (i32.eqz (local.get $block)))
            (local.set $c (i32.const 0))
            (block $rowDone
              (loop $lanes
                (br_if $rowDone (i32.ge_u (local.get $c) (local.get $widthBytes)))
                (local.set $x (v128.load (i32.add (local.get $dy) (local.get $c))))
                (v128.store (i32.add (local.get $partial) (local.get $c))
                  (f32x4.add (v128.load (i32.add (local.get $partial) (local.get $c))) (local.get $x)))
                (v128.store (i32.add (local.get $products) (local.get $c))
                  (f32x4.add
                    (v128.load (i32.add (local.get $products) (local.get $c)))
                    (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $centred) (local.get $c))))))
                (local.set $c (i32.add (local.get $c) (i32.const 16)))
                (br $lanes)))
            (local.set $dy (i32.add (local.get $dy) (local.get $widthBytes)))
            (local.set $centred (i32.add (local.get $centred) (local.get $widthBytes)))
            (local.set $block (i32.sub (local.get $block) (i32.const 1)))
            (br $row)))
        (local.set $c (i32.const 0))
        (block $addDone
          (loop $add
            (br_if $addDone (i32.ge_u (local.get $c) (local.get $widthBytes)))
            (v128.store (i32.add (local.get $dySum) (local.get $c))
              (f32x4.add
                (v128.load (i32.add (local.get $dySum) (local.get $c)))
                (v128.load (i32.add (local.get $partial) (local.get $c)))))
            (v128.store (i32.add (local.get $productSum) (local.get $c))
              (f32x4.add
                (v128.load (i32.add (local.get $productSum) (local.get $c)))
                (v128.load (i32.add (local.get $products) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $add)))
        (br $blocks))))

  ;; centred[r, c] = x[r, c] - mean[c] and squareSum[c] = sum over r of centred[r, c]^2, for rows of
  ;; `width` channels, summed in blocks of 32 rows as in `sums` (`partial`: width floats of
  ;; scratch).
  (func (export "centre")
    (param $x i32) (param $mean i32) (param $centred i32) (param $partial i32) (param $squareSum i32)
    (param $rows i32) (param $width i32)
    (local $widthBytes i32) (local $block i32) (local $c i32)
    (local $v v128)
    (local.set $widthBytes (i32.shl (local.get $width) (i32.const 2)))
    (call $zero (local.get $squareSum) (local.get $widthBytes))
    (block $done
      (loop $blocks
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $block
          (select (i32.const 32) (local.get $rows) (i32.gt_u (local.get $rows) (i32.const 32))))
        (local.set $rows (i32.sub (local.get $rows) (local.get $block)))
        (call $zero (local.get $partial) (local.get $widthBytes))
        (block $blockDone
          (loop $row
            (br_if $blockDone (i32.eqz (local.get $block)))
            (local.set $c (i32.const 0))
            (block $rowDone
              (loop $lanes
                (br_if $rowDone (i32.ge_u (local.get $c) (local.get $widthBytes)))
                (local.set $v
                  (f32x4.sub
                    (v128.load (i32.add (local.get $x) (local.get $c)))
                    (v128.load (i32.add (local.get $mean) (local.get $c)))))
                (v128.store (i32.add (local.get $centred) (local.get $c)) (local.get $v))
                (v128.store (i32.add (local.get $partial) (local.get $c))
                  (f32x4.add
                    (v128.load (i32.add (local.get $partial) (local.get $c)))
                    (f32x4.mul (local.get $v) (local.get $v))))
                (local.set $c (i32.add (local.get $c) (i32.const 16)))
                (br $lanes)))
            (local.set $x (i32.add (local.get $x) (local.get $widthBytes)))
            (local.set $centred (i32.add (local.get $centred) (local.get $widthBytes)))
            (local.set $block (i32.sub (local.get $block) (i32.const 1)))
            (br $row)))
        (local.set $c (i32.const 0))
        (block $addDone
          (loop $add
            (br_if $addDone (i32.ge_u (local.get $c) (local.get $widthBytes)))
            (v128.store (i32.add (local.get $squareSum) (local.get $c))
              (f32x4.add
                (v128.load (i32.add (local.get $squareSum) (local.get $c)))
                (v128.load (i32.add (local.get $partial) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $add)))
        (br $blocks))))
)
