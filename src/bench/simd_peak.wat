;; The arithmetic ceiling of WebAssembly SIMD on one core: independent chains of f32x4 multiply
;; then add, the operations XNNPACK's wasm kernels compute a product with (128-bit SIMD has no fused
;; multiply-add). Twelve chains of acc = acc * y + z keep two multiplies and two adds in flight per
;; cycle on cores with two pipes of each, with no memory traffic: a kernel that loads its operands
;; can only come close to it. It imports a memory it does not use, as every module of
;; scripts/build-wasm.ts does, which compiles it into simd_peak_wasm.ts.
(module
  (import "env" "memory" (memory 0))

  ;; `turns` turns of 96 floating-point operations; returns a lane of the chains' sum, so that the
  ;; engine cannot drop the work.
  (func (export "multiplyAdds") (param $turns i32) (result f32)
    (local $y v128) (local $z v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $a8 v128) (local $a9 v128) (local $a10 v128) (local $a11 v128)
    (local.set $y (v128.const f32x4 0.999 0.998 0.997 0.996))
    (local.set $z (v128.const f32x4 0.001 0.002 0.003 0.004))
    (local.set $a1 (v128.const f32x4 1 1 1 1))
    (local.set $a2 (v128.const f32x4 2 2 2 2))
    (local.set $a3 (v128.const f32x4 3 3 3 3))
    (local.set $a4 (v128.const f32x4 4 4 4 4))
    (local.set $a5 (v128.const f32x4 5 5 5 5))
    (local.set $a6 (v128.const f32x4 6 6 6 6))
    (local.set $a7 (v128.const f32x4 7 7 7 7))
    (local.set $a8 (v128.const f32x4 8 8 8 8))
    (local.set $a9 (v128.const f32x4 9 9 9 9))
    (local.set $a10 (v128.const f32x4 10 10 10 10))
    (local.set $a11 (v128.const f32x4 11 11 11 11))
    (block $done
      (loop $turn
        (br_if $done (i32.eqz (local.get $turns)))
        (local.set $a0 (f32x4.add (f32x4.mul (local.get $a0) (local.get $y)) (local.get $z)))
        (local.set $a1 (f32x4.add (f32x4.mul (local.get $a1) (local.get $y)) (local.get $z)))
        (local.set $a2 (f32x4.add (f32x4.mul (local.get $a2) (local.get $y)) (local.get $z)))
        (local.set $a3 (f32x4.add (f32x4.mul (local.get $a3) (local.get $y)) (local.get $z)))
        (local.set $a4 (f32x4.add (f32x4.mul (local.get $a4) (local.get $y)) (local.get $z)))
        (local.set $a5 (f32x4.add (f32x4.mul (local.get $a5) (local.get $y)) (local.get $z)))
        (local.set $a6 (f32x4.add (f32x4.mul (local.get $a6) (local.get $y)) (local.get $z)))
        (local.set $a7 (f32x4.add (f32x4.mul (local.get $a7) (local.get $y)) (local.get $z)))
        (local.set $a8 (f32x4.add (f32x4.mul (local.get $a8) (local.get $y)) (local.get $z)))
        (local.set $a9 (f32x4.add (f32x4.mul (local.get $a9) (local.get $y)) (local.get $z)))
        (local.set $a10 (f32x4.add (f32x4.mul (local.get $a10) (local.get $y)) (local.get $z)))
        (local.set $a11 (f32x4.add (f32x4.mul (local.get $a11) (local.get $y)) (local.get $z)))
        (local.set $turns (i32.sub (local.get $turns) (i32.const 1)))
        (br $turn)))
    (f32x4.extract_lane 0
      (f32x4.add
        (f32x4.add
          (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
          (f32x4.add (f32x4.add (local.get $a4) (local.get $a5)) (f32x4.add (local.get $a6) (local.get $a7))))
        (f32x4.add (f32x4.add (local.get $a8) (local.get $a9)) (f32x4.add (local.get $a10) (local.get $a11)))))))
