;; The filter gradient of a convolution over float32 arrays in the tfjs wasm backend's own memory
;; (imported). dw[k, c] += sum over the output pixels p of x[origin(p) + offset[k]] * dy[p, c]:
;; k runs over the filter taps and input channels, c over the output channels, origin(p) is the
;; top-left corner of pixel p's window in a zero-padded x. The summed axis (every pixel of the
;; batch) is long and dw is small, so each block of 4 taps x 8 output channels keeps its 8
;; accumulators in SIMD registers for a whole call; a call covers a few images, so that their x
;; and dy stay in the cache across the blocks. Pointers and steps are in bytes. Compiled by
;; scripts/build-wasm.ts into conv_filter_gradient_wasm.ts.
(module
  (import "env" "memory" (memory 0))

  ;; x: padded images [images, rows, columns, channels]; dy: [images, outHeight, outWidth, 8 * cTiles];
  ;; dw: [4 * kTiles, 8 * cTiles]; offsets: 4 * kTiles i32 byte offsets of the taps in a window.
  ;; imageStep, rowStep, colStep: bytes from one window to the next image's, row's, column's.
  (func (export "filterGradient")
    (param $x i32) (param $dy i32) (param $dw i32) (param $offsets i32)
    (param $kTiles i32) (param $cTiles i32) (param $images i32) (param $outHeight i32) (param $outWidth i32)
    (param $imageStep i32) (param $rowStep i32) (param $colStep i32)
    (local $kt i32) (local $ct i32) (local $n i32) (local $y i32) (local $col i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $image i32) (local $row i32) (local $xp i32) (local $dyp i32) (local $dyStep i32) (local $out i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $d0 v128) (local $d1 v128) (local $s v128)
    (local.set $dyStep (i32.shl (local.get $cTiles) (i32.const 5)))
    (local.set $kt (i32.const 0))
    (loop $kBlocks
      (local.set $o0 (i32.load (local.get $offsets)))
      (local.set $o1 (i32.load offset=4 (local.get $offsets)))
      (local.set $o2 (i32.load offset=8 (local.get $offsets)))
      (local.set $o3 (i32.load offset=12 (local.get $offsets)))
      (local.set $ct (i32.const 0))
      (loop $cBlocks
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $a4 (v128.const i32x4 0 0 0 0))
        (local.set $a5 (v128.const i32x4 0 0 0 0))
        (local.set $a6 (v128.const i32x4 0 0 0 0))
        (local.set $a7 (v128.const i32x4 0 0 0 0))
        (local.set $dyp (i32.add (local.get $dy) (i32.shl (local.get $ct) (i32.const 5))))
        (local.set $image (local.get $x))
        (local.set $n (local.get $images))
        (loop $imageLoop
          (local.set $row (local.get $image))
          (local.set $y (local.get $outHeight))
          (loop $rows
            (local.set $xp (local.get $row))
            (local.set $col (local.get $outWidth))
            (loop $cols
              (local.set $d0 (v128.load (local.get $dyp)))
              (local.set $d1 (v128.load offset=16 (local.get $dyp)))
              (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $o0))))
              (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $d0))))
              (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $d1))))
              (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $o1))))
              (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $d0))))
              (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $d1))))
              (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $o2))))
              (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $d0))))
              (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $d1))))
              (local.set $s (v128.load32_splat (i32.add (local.get $xp) (local.get $o3))))
              (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $d0))))
              (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $d1))))
              (local.set $xp (i32.add (local.get $xp) (local.get $colStep)))
              (local.set $dyp (i32.add (local.get $dyp) (local.get $dyStep)))
              (local.set $col (i32.sub (local.get $col) (i32.const 1)))
              (br_if $cols (local.get $col)))
            (local.set $row (i32.add (local.get $row) (local.get $rowStep)))
            (local.set $y (i32.sub (local.get $y) (i32.const 1)))
            (br_if $rows (local.get $y)))
          (local.set $image (i32.add (local.get $image) (local.get $imageStep)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br_if $imageLoop (local.get $n)))
        ;; dw rows 4 kt .. 4 kt + 3, columns 8 ct .. 8 ct + 7: add this call's sums.
        (local.set $out
          (i32.add
            (local.get $dw)
            (i32.add
              (i32.mul (i32.shl (local.get $kt) (i32.const 2)) (local.get $dyStep))
              (i32.shl (local.get $ct) (i32.const 5)))))
        (v128.store (local.get $out) (f32x4.add (v128.load (local.get $out)) (local.get $a0)))
        (v128.store offset=16 (local.get $out) (f32x4.add (v128.load offset=16 (local.get $out)) (local.get $a1)))
        (local.set $out (i32.add (local.get $out) (local.get $dyStep)))
        (v128.store (local.get $out) (f32x4.add (v128.load (local.get $out)) (local.get $a2)))
        (v128.store offset=16 (local.get $out) (f32x4.add (v128.load offset=16 (local.get $out)) (local.get $a3)))
        (local.set $out (i32.add (local.get $out) (local.get $dyStep)))
        (v128.store (local.get $out) (f32x4.add (v128.load (local.get $out)) (local.get $a4)))
        (v128.store offset=16 (local.get $out) (f32x4.add (v128.load offset=16 (local.get $out)) (local.get $a5)))
        (local.set $out (i32.add (local.get $out) (local.get $dyStep)))
        (v128.store (local.get $out) (f32x4.add (v128.load (local.get $out)) (local.get $a6)))
        (v128.store offset=16 (local.get $out) (f32x4.add (v128.load offset=16 (local.get $out)) (local.get $a7)))
        (local.set $ct (i32.add (local.get $ct) (i32.const 1)))
        (br_if $cBlocks (i32.lt_u (local.get $ct) (local.get $cTiles))))
      (local.set $offsets (i32.add (local.get $offsets) (i32.const 16)))
      (local.set $kt (i32.add (local.get $kt) (i32.const 1)))
      (br_if $kBlocks (i32.lt_u (local.get $kt) (local.get $kTiles))))))
