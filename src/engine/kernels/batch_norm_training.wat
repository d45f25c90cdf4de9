;; Batch norm in training (its statistics, its output and its gradient) over float32 arrays in the
;; tfjs wasm backend's own memory (imported): rows x channels values, channels innermost and a
;; multiple of 4, four channels at a time. Pointers are byte offsets. Compiled by
;; scripts/build-wasm.ts into batch_norm_training_wasm.ts.
;;
;; Per-channel sums add the rows in blocks of 32 (in `partial`), then the blocks: each value passes
;; through two sums of at most rows / 32 and 32 terms, not one of `rows`, which keeps float32's
;; rounding error near that of a pairwise sum.
(module
  (import "env" "memory" (memory 0))

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

  ;; total += partial, then partial = 0, over `bytes`: the end of a block of rows.
  (func $flush (param $partial i32) (param $total i32) (param $bytes i32)
    (local $c i32)
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $c) (local.get $bytes)))
        (v128.store (i32.add (local.get $total) (local.get $c))
          (f32x4.add
            (v128.load (i32.add (local.get $total) (local.get $c)))
            (v128.load (i32.add (local.get $partial) (local.get $c)))))
        (v128.store (i32.add (local.get $partial) (local.get $c)) (v128.const i32x4 0 0 0 0))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $lanes))))

  ;; values[c] = values[c] / count over `bytes`: sums to means.
  (func $divide (param $values i32) (param $count i32) (param $bytes i32)
    (local $c i32) (local $divisor v128)
    (local.set $divisor (f32x4.splat (f32.convert_i32_u (local.get $count))))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $c) (local.get $bytes)))
        (v128.store (i32.add (local.get $values) (local.get $c))
          (f32x4.div (v128.load (i32.add (local.get $values) (local.get $c))) (local.get $divisor)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $lanes))))

  ;; total[c] = sum over r of x[r, c] (`partial`: one row of scratch).
  (func $sum (param $x i32) (param $partial i32) (param $total i32) (param $rows i32) (param $rowBytes i32)
    (local $block i32) (local $c i32)
    (call $zero (local.get $total) (local.get $rowBytes))
    (call $zero (local.get $partial) (local.get $rowBytes))
    (local.set $block (i32.const 32))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $lanes
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $partial) (local.get $c))
              (f32x4.add
                (v128.load (i32.add (local.get $partial) (local.get $c)))
                (v128.load (i32.add (local.get $x) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $lanes)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (local.set $block (i32.sub (local.get $block) (i32.const 1)))
        (if (i32.eqz (local.get $block))
          (then
            (call $flush (local.get $partial) (local.get $total) (local.get $rowBytes))
            (local.set $block (i32.const 32))))
        (br $row)))
    (call $flush (local.get $partial) (local.get $total) (local.get $rowBytes)))

  ;; total[c] = sum over r of (x[r, c] - mean[c])^2 (`partial`: one row of scratch).
  (func $squareDeviationSum
    (param $x i32) (param $mean i32) (param $partial i32) (param $total i32) (param $rows i32)
    (param $rowBytes i32)
    (local $block i32) (local $c i32) (local $v v128)
    (call $zero (local.get $total) (local.get $rowBytes))
    (call $zero (local.get $partial) (local.get $rowBytes))
    (local.set $block (i32.const 32))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $lanes
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (local.set $v
              (f32x4.sub
                (v128.load (i32.add (local.get $x) (local.get $c)))
                (v128.load (i32.add (local.get $mean) (local.get $c)))))
            (v128.store (i32.add (local.get $partial) (local.get $c))
              (f32x4.add
                (v128.load (i32.add (local.get $partial) (local.get $c)))
                (f32x4.mul (local.get $v) (local.get $v))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $lanes)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (local.set $block (i32.sub (local.get $block) (i32.const 1)))
        (if (i32.eqz (local.get $block))
          (then
            (call $flush (local.get $partial) (local.get $total) (local.get $rowBytes))
            (local.set $block (i32.const 32))))
        (br $row)))
    (call $flush (local.get $partial) (local.get $total) (local.get $rowBytes)))

  ;; totals[c] = sum over r of dy[r, c] and totals[width + c] = sum over r of
  ;; dy[r, c] * (x[r, c] - mean[c]) (`partial`: two rows of scratch, as `totals`).
  (func $gradientSums
    (param $dy i32) (param $x i32) (param $mean i32) (param $partial i32) (param $totals i32)
    (param $rows i32) (param $rowBytes i32)
    (local $products i32) (local $bothBytes i32) (local $block i32) (local $c i32) (local $d v128)
    (local.set $products (i32.add (local.get $partial) (local.get $rowBytes)))
    (local.set $bothBytes (i32.shl (local.get $rowBytes) (i32.const 1)))
    (call $zero (local.get $totals) (local.get $bothBytes))
    (call $zero (local.get $partial) (local.get $bothBytes))
    (local.set $block (i32.const 32))
    (block $done
      (loop $row
        (br_if $done (i32.eqz (local.get $rows)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $lanes
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (local.set $d (v128.load (i32.add (local.get $dy) (local.get $c))))
            (v128.store (i32.add (local.get $partial) (local.get $c))
              (f32x4.add (v128.load (i32.add (local.get $partial) (local.get $c))) (local.get $d)))
            (v128.store (i32.add (local.get $products) (local.get $c))
              (f32x4.add
                (v128.load (i32.add (local.get $products) (local.get $c)))
                (f32x4.mul
                  (local.get $d)
                  (f32x4.sub
                    (v128.load (i32.add (local.get $x) (local.get $c)))
                    (v128.load (i32.add (local.get $mean) (local.get $c)))))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $lanes)))
        (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (local.set $block (i32.sub (local.get $block) (i32.const 1)))
        (if (i32.eqz (local.get $block))
          (then
            (call $flush (local.get $partial) (local.get $totals) (local.get $bothBytes))
            (local.set $block (i32.const 32))))
        (br $row)))
    (call $flush (local.get $partial) (local.get $totals) (local.get $bothBytes)))

  ;; y, mean, variance (biased) and inverseDeviation = 1 / sqrt(variance + epsilon) of x, with
  ;; y[r, c] = (x[r, c] - mean[c]) * (gamma[c] * inverseDeviation[c]) + beta[c]. Three passes over
  ;; x: its sums, its squared deviations, the output. `scratch`: two rows.
  (func (export "forward")
    (param $x i32) (param $gamma i32) (param $beta i32) (param $scratch i32) (param $y i32)
    (param $mean i32) (param $variance i32) (param $inverseDeviation i32) (param $rows i32)
    (param $width i32) (param $epsilon f32)
    (local $rowBytes i32) (local $scale i32) (local $c i32) (local $inverse v128) (local $end i32)
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $scale (i32.add (local.get $scratch) (local.get $rowBytes)))
    (call $sum (local.get $x) (local.get $scratch) (local.get $mean) (local.get $rows) (local.get $rowBytes))
    (call $divide (local.get $mean) (local.get $rows) (local.get $rowBytes))
    (call $squareDeviationSum
      (local.get $x) (local.get $mean) (local.get $scratch) (local.get $variance) (local.get $rows)
      (local.get $rowBytes))
    (call $divide (local.get $variance) (local.get $rows) (local.get $rowBytes))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $c) (local.get $rowBytes)))
        (local.set $inverse
          (f32x4.div
            (v128.const f32x4 1 1 1 1)
            (f32x4.sqrt
              (f32x4.add
                (v128.load (i32.add (local.get $variance) (local.get $c)))
                (f32x4.splat (local.get $epsilon))))))
        (v128.store (i32.add (local.get $inverseDeviation) (local.get $c)) (local.get $inverse))
        (v128.store (i32.add (local.get $scale) (local.get $c))
          (f32x4.mul (v128.load (i32.add (local.get $gamma) (local.get $c))) (local.get $inverse)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $lanes)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $lanes
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $y) (local.get $c))
              (f32x4.add
                (f32x4.mul
                  (f32x4.sub
                    (v128.load (i32.add (local.get $x) (local.get $c)))
                    (v128.load (i32.add (local.get $mean) (local.get $c))))
                  (v128.load (i32.add (local.get $scale) (local.get $c))))
                (v128.load (i32.add (local.get $beta) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $lanes)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $y (i32.add (local.get $y) (local.get $rowBytes)))
        (br $row))))

  ;; The gradients of `forward`'s y by x, gamma and beta, given dy. With xhat = (x - mean) *
  ;; inverseDeviation and N = rows: dBeta = sum(dy), dGamma = sum(dy * xhat) and
  ;; dx = dy * a + (x - mean) * b + d, where a = gamma * inverseDeviation,
  ;; b = -(a * inverseDeviation^2 * sum(dy * (x - mean))) / N and d = -(a * dBeta) / N. Two passes
  ;; over dy and x. `scratch`: seven rows.
  (func (export "gradient")
    (param $dy i32) (param $x i32) (param $mean i32) (param $gamma i32) (param $inverseDeviation i32)
    (param $scratch i32) (param $dx i32) (param $dGamma i32) (param $dBeta i32) (param $rows i32)
    (param $width i32)
    (local $rowBytes i32) (local $dySum i32) (local $productSum i32) (local $a i32) (local $b i32)
    (local $d i32) (local $c i32) (local $end i32) (local $inverse v128) (local $scale v128)
    (local $count v128) (local $sumOfDy v128)
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $dySum (i32.add (local.get $scratch) (i32.shl (local.get $rowBytes) (i32.const 1))))
    (local.set $productSum (i32.add (local.get $dySum) (local.get $rowBytes)))
    (local.set $a (i32.add (local.get $productSum) (local.get $rowBytes)))
    (local.set $b (i32.add (local.get $a) (local.get $rowBytes)))
    (local.set $d (i32.add (local.get $b) (local.get $rowBytes)))
    (call $gradientSums
      (local.get $dy) (local.get $x) (local.get $mean) (local.get $scratch) (local.get $dySum)
      (local.get $rows) (local.get $rowBytes))
    (local.set $count (f32x4.splat (f32.convert_i32_u (local.get $rows))))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $c) (local.get $rowBytes)))
        (local.set $inverse (v128.load (i32.add (local.get $inverseDeviation) (local.get $c))))
        (local.set $scale
          (f32x4.mul (v128.load (i32.add (local.get $gamma) (local.get $c))) (local.get $inverse)))
        (v128.store (i32.add (local.get $a) (local.get $c)) (local.get $scale))
        (v128.store (i32.add (local.get $b) (local.get $c))
          (f32x4.neg
            (f32x4.div
              (f32x4.mul
                (f32x4.mul (local.get $scale) (f32x4.mul (local.get $inverse) (local.get $inverse)))
                (v128.load (i32.add (local.get $productSum) (local.get $c))))
              (local.get $count))))
        (local.set $sumOfDy (v128.load (i32.add (local.get $dySum) (local.get $c))))
        (v128.store (i32.add (local.get $dBeta) (local.get $c)) (local.get $sumOfDy))
        (v128.store (i32.add (local.get $d) (local.get $c))
          (f32x4.neg (f32x4.div (f32x4.mul (local.get $scale) (local.get $sumOfDy)) (local.get $count))))
        (v128.store (i32.add (local.get $dGamma) (local.get $c))
          (f32x4.mul (v128.load (i32.add (local.get $productSum) (local.get $c))) (local.get $inverse)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $lanes)))
    (local.set $end (i32.add (local.get $dy) (i32.mul (local.get $rows) (local.get $rowBytes))))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $dy) (local.get $end)))
        (local.set $c (i32.const 0))
        (block $rowDone
          (loop $lanes
            (br_if $rowDone (i32.ge_u (local.get $c) (local.get $rowBytes)))
            (v128.store (i32.add (local.get $dx) (local.get $c))
              (f32x4.add
                (f32x4.add
                  (f32x4.mul
                    (v128.load (i32.add (local.get $dy) (local.get $c)))
                    (v128.load (i32.add (local.get $a) (local.get $c))))
                  (f32x4.mul
                    (f32x4.sub
                      (v128.load (i32.add (local.get $x) (local.get $c)))
                      (v128.load (i32.add (local.get $mean) (local.get $c))))
                    (v128.load (i32.add (local.get $b) (local.get $c)))))
                (v128.load (i32.add (local.get $d) (local.get $c)))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $lanes)))
        (local.set $dy (i32.add (local.get $dy) (local.get $rowBytes)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $dx (i32.add (local.get $dx) (local.get $rowBytes)))
        (br $row))))
)
