;; Optimizer updates over float32 arrays in the tfjs wasm backend's own memory (imported), four
;; lanes at a time. Every operation is one IEEE float32 operation, in the order tfjs's optimizer
;; ops compute them (no fused multiply-add), so results are bit-identical to tfjs's optimizers.
;; Pointers are byte offsets; n is the number of values. Compiled by scripts/build-wasm.ts into
;; optimizer_updates_wasm.ts.
(module
  (import "env" "memory" (memory 0))

  ;; Adam: m' = m*b1 + g*c1; v' = v*b2 + (g*g)*c2;
  ;; value' = ((m'/d1) / (sqrt(v'/d2) + eps)) * step + value
  (func (export "adam")
    (param $value i32) (param $grad i32) (param $m i32) (param $v i32)
    (param $outValue i32) (param $outM i32) (param $outV i32) (param $n i32)
    (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
    (param $d1 f32) (param $d2 f32) (param $eps f32) (param $step f32)
    (local $i i32) (local $vectors i32) (local $end i32)
    (local $g v128) (local $m1 v128) (local $v1 v128)
    (local $gs f32) (local $m1s f32) (local $v1s f32)
    (local.set $vectors (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $i) (local.get $vectors)))
        (local.set $g (v128.load (i32.add (local.get $grad) (local.get $i))))
        (local.set $m1
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (f32x4.splat (local.get $b1)))
            (f32x4.mul (local.get $g) (f32x4.splat (local.get $c1)))))
        (local.set $v1
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (f32x4.splat (local.get $b2)))
            (f32x4.mul (f32x4.mul (local.get $g) (local.get $g)) (f32x4.splat (local.get $c2)))))
        (v128.store (i32.add (local.get $outM) (local.get $i)) (local.get $m1))
        (v128.store (i32.add (local.get $outV) (local.get $i)) (local.get $v1))
        (v128.store (i32.add (local.get $outValue) (local.get $i))
          (f32x4.add
            (f32x4.mul
              (f32x4.div
                (f32x4.div (local.get $m1) (f32x4.splat (local.get $d1)))
                (f32x4.add
                  (f32x4.sqrt (f32x4.div (local.get $v1) (f32x4.splat (local.get $d2))))
                  (f32x4.splat (local.get $eps))))
              (f32x4.splat (local.get $step)))
            (v128.load (i32.add (local.get $value) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $lanes)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gs (f32.load (i32.add (local.get $grad) (local.get $i))))
        (local.set $m1s
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
            (f32.mul (local.get $gs) (local.get $c1))))
        (local.set $v1s
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
            (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $outM) (local.get $i)) (local.get $m1s))
        (f32.store (i32.add (local.get $outV) (local.get $i)) (local.get $v1s))
        (f32.store (i32.add (local.get $outValue) (local.get $i))
          (f32.add
            (f32.mul
              (f32.div
                (f32.div (local.get $m1s) (local.get $d1))
                (f32.add (f32.sqrt (f32.div (local.get $v1s) (local.get $d2))) (local.get $eps)))
              (local.get $step))
            (f32.load (i32.add (local.get $value) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; Momentum: acc' = mu*acc + g; value' = step*acc' + value
  (func (export "momentum")
    (param $value i32) (param $grad i32) (param $acc i32)
    (param $outValue i32) (param $outAcc i32) (param $n i32)
    (param $mu f32) (param $step f32)
    (local $i i32) (local $vectors i32) (local $end i32) (local $a v128) (local $as f32)
    (local.set $vectors (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $i) (local.get $vectors)))
        (local.set $a
          (f32x4.add
            (f32x4.mul (f32x4.splat (local.get $mu)) (v128.load (i32.add (local.get $acc) (local.get $i))))
            (v128.load (i32.add (local.get $grad) (local.get $i)))))
        (v128.store (i32.add (local.get $outAcc) (local.get $i)) (local.get $a))
        (v128.store (i32.add (local.get $outValue) (local.get $i))
          (f32x4.add
            (f32x4.mul (f32x4.splat (local.get $step)) (local.get $a))
            (v128.load (i32.add (local.get $value) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $lanes)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $as
          (f32.add
            (f32.mul (local.get $mu) (f32.load (i32.add (local.get $acc) (local.get $i))))
            (f32.load (i32.add (local.get $grad) (local.get $i)))))
        (f32.store (i32.add (local.get $outAcc) (local.get $i)) (local.get $as))
        (f32.store (i32.add (local.get $outValue) (local.get $i))
          (f32.add
            (f32.mul (local.get $step) (local.get $as))
            (f32.load (i32.add (local.get $value) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail)))))
