import { tf } from '../tf.js';
import { CONV_FILTER_GRADIENT_SHARED_WASM, CONV_FILTER_GRADIENT_WASM } from './conv_filter_gradient_wasm.js';
import { Scratch } from './scratch.js';
import { copyValues } from './wasm_memory.js';
import { elementwiseLoops } from './elementwise_loops.js';
import { heapPointer, splitShrinking, WasmLoops } from './wasm_loops.js';
import { overrideWasmKernel, type WasmKernelArgs } from './wasm_backend.js';

/**
 * Convolution gradients for the wasm backend. The backend lacks Conv2DBackpropFilter (computed here
 * by a hand-written SIMD loop), and its own Conv2DBackpropInput is plain loops, about 20x slower
 * than a forward convolution of the same size (computed here by that fast forward kernel, XNNPACK,
 * on re-arranged operands).
 */

type Info = tf.TensorInfo;
type Pads = [top: number, bottom: number, left: number, right: number];

/** Scratch with the re-arrangements the convolution gradients need. */
class ConvScratch extends Scratch {
  /**
   * Rows [top, top + height) and columns [left, left + width) of an NHWC tensor, where those
   * outside it read zero (a negative top or left pads), copied row by row by a wasm loop: the wasm
   * Slice kernel reads crops back through JavaScript element by element, and a JavaScript loop of
   * row copies took 10 ms of a cnn step.
   */
  window(x: Info, top: number, height: number, left: number, width: number): Info {
    const [n, h, w, c] = x.shape;
    if (top === 0 && left === 0 && height === h && width === w) return x;
    const out = this.output([n, height, width, c]);
    const firstRow = Math.max(0, -top);
    const rows = Math.min(height, h - top) - firstRow;
    const firstColumn = Math.max(0, -left);
    const columns = Math.min(width, w - left) - firstColumn;
    const target = this.backend.typedArrayFromHeap(out);
    if (rows <= 0 || columns <= 0) {
      target.fill(0);
      return out;
    }
    // Only what the copies leave is zeroed (filling the whole window first took 5 ms a step): per
    // image, what lies before its first row segment by a JavaScript fill, and the equal gaps
    // between its segments by a wasm loop (JavaScript fills, one a gap, took 4 ms a step).
    const [from, to] = [heapPointer(this.backend, x), heapPointer(this.backend, out)];
    const [rowValues, segment] = [width * c, columns * c];
    const calls: number[][] = [];
    const zeroing: number[][] = [];
    let end = 0;
    for (let b = 0; b < n; b++) {
      const start = (b * height + firstRow) * rowValues + firstColumn * c;
      target.fill(0, end, start);
      end = start + (rows - 1) * rowValues + segment;
      calls.push([
        from + ((b * h + top + firstRow) * w + left + firstColumn) * c * 4,
        w * c * 4,
        to + start * 4,
        rowValues * 4,
        rows,
        1,
        segment * 4,
        0,
      ]);
      if (segment < rowValues && rows > 1) {
        zeroing.push([to + (start + segment) * 4, rows - 1, (rowValues - segment) * 4, rowValues * 4]);
      }
    }
    target.fill(0, end);
    if (zeroing.length > 0) elementwiseLoops.run(this.backend, 'zeroRuns', [zeroing]);
    elementwiseLoops.run(this.backend, 'copyPixels', [calls]);
    return out;
  }

  /** Forward convolution with per-side padding, where a negative padding crops instead. */
  conv(x: Info, filter: Info, dilations: [number, number], [top, bottom, left, right]: Pads): Info {
    const [, h, w] = x.shape;
    const cropTop = Math.max(0, -top);
    const cropLeft = Math.max(0, -left);
    const cropped = this.window(
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

interface FilterGradientLoops {
  filterGradient(...args: number[]): void;
}
const filterGradientLoops = new WasmLoops<FilterGradientLoops>(
  CONV_FILTER_GRADIENT_WASM,
  CONV_FILTER_GRADIENT_SHARED_WASM,
);

function requireLoops(backend: WasmKernelArgs['backend']): void {
  if (filterGradientLoops.bind(backend) == null || elementwiseLoops.bind(backend) == null) {
    throw new Error('the wasm convolution gradients need WebAssembly SIMD');
  }
}

/** The loop computes blocks of 4 filter rows (taps x input channels) by 8 output channels. */
const TAP_BLOCK = 4;
const CHANNEL_BLOCK = 8;
/** dy values per loop call: a few images whose dy (64 KiB here) and x stay in the L2 cache. */
const DY_PER_CALL = 16384;
/**
 * Groups of images whose partial filter gradients the threads claim, each a quarter of the images
 * left: the first are large, so that the partials are few to add, the last small, so that the
 * thread that finishes first waits little for a thread slowed by others (XNNPACK's spinning worker
 * shares the second core). With 8 equal groups the calling thread waited 5-8 ms a cnn step (CPU
 * profiles).
 */
const GROUP_FRACTION = 1 / 4;

const roundUp = (value: number, block: number) => Math.ceil(value / block) * block;

/**
 * dy with its channels padded with zeros to `channels`, for the loop's blocks of output channels.
 * A loop in JS: only odd channel counts need it, none of the project's models.
 */
function padChannels(scratch: Scratch, dy: Info, channels: number): Info {
  const c = dy.shape[3];
  if (c === channels) return dy;
  const pixels = tf.util.sizeFromShape(dy.shape) / c;
  const padded = scratch.output([...dy.shape.slice(0, 3), channels]);
  const target = scratch.backend.typedArrayFromHeap(padded);
  const source = scratch.backend.typedArrayFromHeap(dy);
  target.fill(0);
  for (let p = 0; p < pixels; p++) copyValues(source, p * c, target, p * channels, c);
  return padded;
}

/**
 * dW[i, j, ci, co] = sum over n, oh, ow of x[n, oh*s + i - padTop, ow*s + j - padLeft, ci] * dy[n, oh, ow, co],
 * by a hand-written SIMD loop (conv_filter_gradient.wat) over the window of x that the taps reach,
 * zero-padded. The summed axis is every output pixel of the batch and dW is small, so the loop
 * keeps a block of dW in registers while it runs through a few images, which XNNPACK's
 * convolutions and products cannot do for this shape (they would repack dy, the long operand).
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs): Info {
  const { x, dy } = inputs;
  const { filterShape } = attrs as { filterShape: number[] };
  const g = geometry(x.shape, filterShape, attrs!);
  const [batch, height, width, inChannels] = x.shape;
  const [, outHeight, outWidth, outChannels] = dy.shape;
  const [sh, sw] = g.strides;
  requireLoops(backend);
  const scratch = new ConvScratch(backend);
  if (batch * outHeight * outWidth === 0) {
    const zeros = scratch.output(filterShape);
    backend.typedArrayFromHeap(zeros).fill(0);
    return scratch.finish(zeros);
  }
  const taps = g.filterHeight * g.filterWidth * inChannels;
  const rows = roundUp(taps, TAP_BLOCK);
  const channels = roundUp(outChannels, CHANNEL_BLOCK);
  const exact = rows === taps && channels === outChannels;
  // With no rows or channels added, the loop's output [taps, out channels] is the filter layout.
  const dw = exact ? scratch.output(filterShape) : scratch.output([rows, channels]);
  backend.typedArrayFromHeap(dw).fill(0);
  const windowHeight = (outHeight - 1) * sh + g.filterHeight;
  const windowWidth = (outWidth - 1) * sw + g.filterWidth;
  // x itself where the taps stay inside it (no padding: valid, or 1x1 with stride 2), else a padded copy.
  const inside = g.padTop === 0 && g.padLeft === 0 && windowHeight <= height && windowWidth <= width;
  const windowed = inside ? x : scratch.window(x, -g.padTop, windowHeight, -g.padLeft, windowWidth);
  const [, sourceHeight, sourceWidth] = windowed.shape;
  const dyPadded = padChannels(scratch, dy, channels);
  // Byte offsets of the taps in a window; the rows past the taps repeat the first and are dropped.
  const offsets = new Int32Array(rows);
  for (let i = 0, k = 0; i < g.filterHeight; i++) {
    for (let j = 0; j < g.filterWidth; j++) {
      for (let c = 0; c < inChannels; c++) offsets[k++] = ((i * sourceWidth + j) * inChannels + c) * 4;
    }
  }
  const offsetsInfo = scratch.tensor([rows], offsets);
  const imageBytes = sourceHeight * sourceWidth * inChannels * 4;
  const dyImageBytes = outHeight * outWidth * channels * 4;
  const imagesPerCall = Math.max(1, Math.floor(DY_PER_CALL / (outHeight * outWidth * channels)));
  const [xAt, dyAt, dwAt, offsetsAt] = [windowed, dyPadded, dw, offsetsInfo].map((t) =>
    heapPointer(backend, t),
  );
  const tapTiles = rows / TAP_BLOCK;
  const channelTiles = channels / CHANNEL_BLOCK;
  // Each group of images sums into its own partial dW, every tap; the threads claim groups as
  // they go, and the partials are added in group order. The groups do not depend on the thread
  // count, so neither does any bit of dW.
  const calls = Math.ceil(batch / imagesPerCall);
  const groups = splitShrinking(calls, GROUP_FRACTION);
  const size = rows * channels;
  const partials = scratch.output([groups.length, size]);
  backend.typedArrayFromHeap(partials).fill(0);
  const partialsAt = heapPointer(backend, partials);
  const chunks = groups.map(([first, count], group) =>
    Array.from({ length: count }, (_, k) => {
      const b = (first + k) * imagesPerCall;
      return [
        xAt + b * imageBytes,
        dyAt + b * dyImageBytes,
        partialsAt + group * size * 4,
        offsetsAt,
        tapTiles,
        channelTiles,
        Math.min(imagesPerCall, batch - b),
        outHeight,
        outWidth,
        imageBytes,
        sh * sourceWidth * inChannels * 4,
        sw * inChannels * 4,
      ];
    }),
  );
  filterGradientLoops.run(backend, 'filterGradient', chunks);
  elementwiseLoops.run(backend, 'accumulate', [
    groups.map((_, group) => [dwAt, partialsAt + group * size * 4, size]),
  ]);
  if (exact) return scratch.finish(dw);
  const result = scratch.output(filterShape);
  const blocks = backend.typedArrayFromHeap(dw);
  const target = backend.typedArrayFromHeap(result);
  for (let k = 0; k < taps; k++) copyValues(blocks, k * channels, target, k * outChannels, outChannels);
  return scratch.finish(result);
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
  requireLoops(backend);
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
  if (phases.includes(null)) backend.typedArrayFromHeap(dx).fill(0);
  phases.forEach((phase, i) => {
    if (phase) interleave(backend, phase, dx, g.strides, i);
  });
  return scratch.finish(dx);
}

/**
 * Writes phase `index` (row phase index / sw, column phase index % sw) into its rows and columns
 * of dx, dropping the positions past dx's edge, one loop call per image (elementwise.wat): the wasm
 * Transpose kernel takes 50x longer on the equivalent 6-d permutation, and a JavaScript loop took
 * 4.5 ms for the four phases of a [128, 32, 32, 16] dx.
 */
function interleave(
  backend: WasmKernelArgs['backend'],
  phase: Info,
  dx: Info,
  [sh, sw]: [number, number],
  index: number,
): void {
  const [n, phaseHeight, phaseWidth, channels] = phase.shape;
  const [, height, width] = dx.shape;
  const py = Math.floor(index / sw);
  const px = index % sw;
  const rows = Math.min(phaseHeight, Math.ceil((height - py) / sh));
  const pixels = Math.min(phaseWidth, Math.ceil((width - px) / sw));
  const pixelBytes = channels * 4;
  const [from, to] = [heapPointer(backend, phase), heapPointer(backend, dx)];
  const calls = Array.from({ length: n }, (_, b) => [
    from + b * phaseHeight * phaseWidth * pixelBytes,
    phaseWidth * pixelBytes,
    to + ((b * height + py) * width + px) * pixelBytes,
    sh * width * pixelBytes,
    rows,
    pixels,
    pixelBytes,
    sw * pixelBytes,
  ]);
  elementwiseLoops.run(backend, 'copyPixels', [calls]);
}

export function registerConvGradients(): void {
  overrideWasmKernel('Conv2DBackpropFilter', () => conv2DBackpropFilter);
  overrideWasmKernel('Conv2DBackpropInput', () => conv2DBackpropInput);
}
