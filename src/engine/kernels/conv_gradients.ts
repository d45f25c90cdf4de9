import { tf } from '../tf.js';
import { Scratch } from './scratch.js';
import { overrideWasmKernel, type WasmKernelArgs } from './wasm_backend.js';

/**
 * Convolution gradients for the wasm backend, both computed by its fast forward Conv2D kernel
 * (XNNPACK) on re-arranged operands. The backend lacks Conv2DBackpropFilter, and its own
 * Conv2DBackpropInput is plain loops, about 20x slower than a forward convolution of the same size.
 */

type Info = tf.TensorInfo;

/** Scratch with the re-arrangements the convolution gradients need. */
class ConvScratch extends Scratch {
  /** Keeps rows [top, top + height) and columns [left, left + width) of an NHWC tensor. */
  cropSpatial(x: Info, top: number, height: number, left: number, width: number): Info {
    if (top === 0 && left === 0 && height === x.shape[1] && width === x.shape[2]) return x;
    return this.run(
      'Slice',
      { x },
      { begin: [0, top, left, 0], size: [x.shape[0], height, width, x.shape[3]] },
    );
  }

  /**
   * Forward convolution with per-side padding, where a negative padding crops instead: the
   * rearranged problems below may need fewer rows than the tensor has.
   */
  conv(
    x: Info,
    filter: Info,
    strides: [number, number],
    dilations: [number, number],
    [top, bottom, left, right]: [number, number, number, number],
  ): Info {
    const cropped = this.cropSpatial(
      x,
      Math.max(0, -top),
      x.shape[1] - Math.max(0, -top) - Math.max(0, -bottom),
      Math.max(0, -left),
      x.shape[2] - Math.max(0, -left) - Math.max(0, -right),
    );
    const pad = [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ];
    return this.run('Conv2D', { x: cropped, filter }, { strides, dilations, pad, dataFormat: 'NHWC' });
  }

  /** Inserts (stride - 1) zero rows/columns between the pixels of an NHWC tensor. */
  dilate(x: Info, [sh, sw]: [number, number]): Info {
    if (sh === 1 && sw === 1) return x;
    const [n, h, w, c] = x.shape;
    const outH = (h - 1) * sh + 1;
    const outW = (w - 1) * sw + 1;
    const out = this.output([n, outH, outW, c]);
    const target = this.backend.typedArrayFromHeap(out);
    const source = this.backend.typedArrayFromHeap(x);
    target.fill(0);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const from = ((b * h + i) * w + j) * c;
          target.set(source.subarray(from, from + c), ((b * outH + i * sh) * outW + j * sw) * c);
        }
      }
    }
    return out;
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
    pad: 'valid' | 'same' | number | backend_util_ExplicitPadding;
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
type backend_util_ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

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
  const xSwapped = scratch.transpose(x, [3, 1, 2, 0]);
  const dyAsFilter = scratch.transpose(dy, [1, 2, 0, 3]);
  const usedHeight = g.filterHeight - 1 + (outHeight - 1) * g.strides[0] + 1;
  const usedWidth = g.filterWidth - 1 + (outWidth - 1) * g.strides[1] + 1;
  const grad = scratch.conv(xSwapped, dyAsFilter, [1, 1], g.strides, [
    g.padTop,
    usedHeight - g.padTop - height,
    g.padLeft,
    usedWidth - g.padLeft - width,
  ]);
  return scratch.finish(scratch.transpose(grad, [1, 2, 0, 3]));
}

/**
 * dx = dy, dilated by the stride, convolved with the filter flipped in space and with its in/out
 * channels swapped ("full" padding: kernel - 1 - padTop before, the rest after).
 */
function conv2DBackpropInput({ inputs, backend, attrs }: WasmKernelArgs): Info {
  const { dy, filter } = inputs;
  const { inputShape } = attrs as { inputShape: number[] };
  const g = geometry(inputShape, filter.shape, attrs!);
  const [, height, width] = inputShape;
  const scratch = new ConvScratch(backend);
  const dilated = scratch.dilate(dy, g.strides);
  const flipped = scratch.run('Reverse', { x: filter }, { dims: [0, 1] });
  const swapped = scratch.transpose(flipped, [0, 1, 3, 2]);
  const top = g.filterHeight - 1 - g.padTop;
  const left = g.filterWidth - 1 - g.padLeft;
  const grad = scratch.conv(
    dilated,
    swapped,
    [1, 1],
    [1, 1],
    [
      top,
      height + g.filterHeight - 1 - dilated.shape[1] - top,
      left,
      width + g.filterWidth - 1 - dilated.shape[2] - left,
    ],
  );
  return scratch.finish(grad);
}

export function registerConvGradients(): void {
  overrideWasmKernel('Conv2DBackpropFilter', () => conv2DBackpropFilter);
  overrideWasmKernel('Conv2DBackpropInput', () => conv2DBackpropInput);
}
