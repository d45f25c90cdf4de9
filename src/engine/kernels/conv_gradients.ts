import { tf } from '../tf.js';
import { Scratch } from './scratch.js';
import { overrideWasmKernel, type WasmKernelArgs } from './wasm_backend.js';

/**
 * Convolution gradients for the wasm backend, both computed by its fast forward Conv2D kernel
 * (XNNPACK) on re-arranged operands. The backend lacks Conv2DBackpropFilter, and its own
 * Conv2DBackpropInput is plain loops, about 20x slower than a forward convolution of the same size.
 */

type Info = tf.TensorInfo;
type Pads = [top: number, bottom: number, left: number, right: number];

/** Scratch with the re-arrangements the convolution gradients need. */
class ConvScratch extends Scratch {
  /**
   * Rows [top, top + height) and columns [left, left + width) of an NHWC tensor, copied row by row
   * in the heap: the wasm Slice kernel reads such crops back through JavaScript element by element.
   */
  cropSpatial(x: Info, top: number, height: number, left: number, width: number): Info {
    const [n, h, w, c] = x.shape;
    if (top === 0 && left === 0 && height === h && width === w) return x;
    const out = this.output([n, height, width, c]);
    const target = this.backend.typedArrayFromHeap(out);
    const source = this.backend.typedArrayFromHeap(x);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < height; i++) {
        const from = ((b * h + top + i) * w + left) * c;
        target.set(source.subarray(from, from + width * c), (b * height + i) * width * c);
      }
    }
    return out;
  }

  /** Forward convolution with per-side padding, where a negative padding crops instead. */
  conv(x: Info, filter: Info, dilations: [number, number], [top, bottom, left, right]: Pads): Info {
    const [, h, w] = x.shape;
    const cropTop = Math.max(0, -top);
    const cropLeft = Math.max(0, -left);
    const cropped = this.cropSpatial(
      x,
      cropTop,
      h - cropTop - Math.max(0, -bottom),
      cropLeft,
      w - cropLeft - Math.max(0, -right),
    );
    const pad = [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ];
    return this.run(
      'Conv2D',
      { x: cropped, filter },
      { strides: [1, 1], dilations, pad, dataFormat: 'NHWC' },
    );
  }
}

interface ConvGeometry {
  strides: [number, number];
  filterHeight: number;
  filterWidth: number;
  padTop: number;
  padLeft: number;
}

function geometry(xShape: number[], filterShape: number[], attrs: Record<string, unknown>): ConvGeometry {
  const { strides, pad, dataFormat, dimRoundingMode } = attrs as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  if (dataFormat === 'NCHW') throw new Error('wasm convolution gradients support only dataFormat NHWC');
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  return {
    strides: [info.strideHeight, info.strideWidth],
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * x [n, H, W, c] as [c, H, W, n], by two transposes the wasm backend runs 2x faster than this
 * 4-d permutation: a 2-d one to [H, W, c, n], then whole rows of n moved to [c, H, W, n].
 */
function swapBatchAndChannels(scratch: Scratch, x: Info): Info {
  const [n, h, w, c] = x.shape;
  const rows = scratch.transpose({ ...x, shape: [n, h * w * c] }, [1, 0]);
  const swapped = scratch.transpose({ ...rows, shape: [h * w, c, n] }, [1, 0, 2]);
  return { ...swapped, shape: [c, h, w, n] };
}

/**
 * dW[i, j, ci, co] = sum over n, oh, ow of x[n, oh*s + i - padTop, ow*s + j - padLeft, ci] * dy[n, oh, ow, co]:
 * a forward convolution in which batch and channels swap roles, x as [ci, H, W, n] and dy as the
 * filter [Ho, Wo, n, co], with the original stride as dilation. The output [ci, kh, kw, co] is
 * transposed back to the filter layout.
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): Info {
  const { x, dy } = inputs;
  const { filterShape } = attrs as { filterShape: number[] };
  const g = geometry(x.shape, filterShape, attrs!);
  const [, height, width] = x.shape;
  const [, outHeight, outWidth] = dy.shape;
  const scratch = new ConvScratch(backend);
  const dyAsFilter = scratch.transpose(dy, [1, 2, 0, 3]);
  const usedHeight = g.filterHeight - 1 + (outHeight - 1) * g.strides[0] + 1;
  const usedWidth = g.filterWidth - 1 + (outWidth - 1) * g.strides[1] + 1;
  const grad = scratch.conv(swapBatchAndChannels(scratch, x), dyAsFilter, g.strides, [
    g.padTop,
    usedHeight - g.padTop - height,
    g.padLeft,
    usedWidth - g.padLeft - width,
  ]);
  return scratch.finish(scratch.transpose(grad, [1, 2, 0, 3]));
}

/**
 * The filter taps that reach the input rows y = phase (mod stride): i = first, first + stride, ...
 * (`count` of them), where tap first + stride * t reads dy row (y - phase) / stride + shift - t.
 */
function phaseTaps(phase: number, stride: number, pad: number, kernel: number) {
  const first = (phase + pad) % stride;
  const count = first < kernel ? Math.ceil((kernel - first) / stride) : 0;
  return { first, count, shift: (phase + pad - first) / stride };
}

/**
 * The filter of one phase: its taps, flipped in space, with in/out channels swapped, so that a
 * forward convolution of dy with it gives that phase of dx. Built in JS: filters are small.
 */
function phaseFilter(
  scratch: Scratch,
  filter: Info,
  rows: ReturnType<typeof phaseTaps>,
  cols: ReturnType<typeof phaseTaps>,
  [sh, sw]: [number, number],
): Info {
  const [, kw, inChannels, outChannels] = filter.shape;
  const values = new Float32Array(rows.count * cols.count * outChannels * inChannels);
  const source = scratch.backend.typedArrayFromHeap(filter);
  let k = 0;
  for (let u = 0; u < rows.count; u++) {
    const i = rows.first + sh * (rows.count - 1 - u);
    for (let v = 0; v < cols.count; v++) {
      const tap = (i * kw + cols.first + sw * (cols.count - 1 - v)) * inChannels * outChannels;
      for (let co = 0; co < outChannels; co++) {
        for (let ci = 0; ci < inChannels; ci++) values[k++] = source[tap + ci * outChannels + co];
      }
    }
  }
  return scratch.tensor([rows.count, cols.count, outChannels, inChannels], values);
}

/**
 * dx[n, y, x, ci] = sum of dy[n, (y + padTop - i) / s, (x + padLeft - j) / s, co] * W[i, j, ci, co] over
 * the taps where the division is exact. The rows (and columns) of dx with the same y mod s use
 * the same taps, so dx splits into s^2 phases, each a plain stride-1 convolution of dy with a
 * flipped sub-filter: none of the zeros a dilated dy would feed the convolution. Each phase is
 * ceil(H / s) x ceil(W / s); phases that no tap reaches stay zero.
 */
function conv2DBackpropInput({ inputs, backend, attrs }: WasmKernelArgs): Info {
  const { dy, filter } = inputs;
  const { inputShape } = attrs as { inputShape: number[] };
  const g = geometry(inputShape, filter.shape, attrs!);
  const [sh, sw] = g.strides;
  const [, height, width] = inputShape;
  const [, outHeight, outWidth] = dy.shape;
  const phaseHeight = Math.ceil(height / sh);
  const phaseWidth = Math.ceil(width / sw);
  const scratch = new ConvScratch(backend);
  const phases: (Info | null)[] = [];
  for (let py = 0; py < sh; py++) {
    for (let px = 0; px < sw; px++) {
      const rows = phaseTaps(py, sh, g.padTop, g.filterHeight);
      const cols = phaseTaps(px, sw, g.padLeft, g.filterWidth);
      if (rows.count === 0 || cols.count === 0) {
        phases.push(null);
        continue;
      }
      const top = rows.count - 1 - rows.shift;
      const left = cols.count - 1 - cols.shift;
      phases.push(
        scratch.conv(
          dy,
          phaseFilter(scratch, filter, rows, cols, g.strides),
          [1, 1],
          [
            top,
            phaseHeight + rows.count - 1 - top - outHeight,
            left,
            phaseWidth + cols.count - 1 - left - outWidth,
          ],
        ),
      );
    }
  }
  if (phases.length === 1 && phases[0]) return scratch.finish(phases[0]);
  const dx = scratch.output(inputShape);
  const target = backend.typedArrayFromHeap(dx);
  target.fill(0);
  phases.forEach((phase, i) => {
    if (phase) interleave(backend.typedArrayFromHeap(phase), phase.shape, target, inputShape, g.strides, i);
  });
  return scratch.finish(dx);
}

/**
 * Writes phase `index` (row phase index / sw, column phase index % sw) into its rows and columns
 * of dx, dropping the positions past dx's edge. A loop in JS: the wasm Transpose kernel takes
 * 50x longer on the equivalent 6-d permutation.
 */
function interleave(
  phase: ArrayLike<number>,
  [n, phaseHeight, phaseWidth, channels]: number[],
  dx: Float32Array | Int32Array | Uint8Array,
  [, height, width]: number[],
  [sh, sw]: [number, number],
  index: number,
): void {
  const py = Math.floor(index / sw);
  const px = index % sw;
  const rowStep = sw * channels;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < phaseHeight; r++) {
      const y = r * sh + py;
      if (y >= height) break;
      let from = (b * phaseHeight + r) * phaseWidth * channels;
      let to = ((b * height + y) * width + px) * channels;
      for (let c = 0; c < phaseWidth && c * sw + px < width; c++, to += rowStep - channels) {
        for (let k = 0; k < channels; k++) dx[to++] = phase[from++];
      }
    }
  }
}

export function registerConvGradients(): void {
  overrideWasmKernel('Conv2DBackpropFilter', () => conv2DBackpropFilter);
  overrideWasmKernel('Conv2DBackpropInput', () => conv2DBackpropInput);
}
