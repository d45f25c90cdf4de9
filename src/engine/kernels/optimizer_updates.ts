import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { overrideWasmKernel, type WasmKernelArgs } from './wasm_backend.js';
import { heapPointer, WasmLoops } from './wasm_loops.js';
import { OPTIMIZER_UPDATES_SHARED_WASM, OPTIMIZER_UPDATES_WASM } from './optimizer_updates_wasm.js';

/**
 * One optimizer update over every variable of a step, as a single kernel: tfjs's Adam runs about
 * a dozen element-wise kernels per variable (and momentum four), each allocating its output, so a
 * step of a 10-variable model paid for over a hundred kernel calls and as many passes over memory.
 * The loops (optimizer_updates.wat, 4 lanes of SIMD) compute in place on the backend's heap, one
 * float32 operation at a time in the order of tfjs's ops, so the results are bit-identical to
 * tfjs's optimizers on the cpu and wasm backends.
 */

export const FUSED_ADAM = 'FusedAdam';
export const FUSED_MOMENTUM = 'FusedMomentum';

export interface FusedAdamAttrs {
  count: number;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export interface FusedMomentumAttrs {
  count: number;
  learningRate: number;
  momentum: number;
}

interface Loops {
  adam(...args: number[]): void;
  momentum(...args: number[]): void;
}

const updates = new WasmLoops<Loops>(OPTIMIZER_UPDATES_WASM, OPTIMIZER_UPDATES_SHARED_WASM);
const bind = (backend: BackendWasm) => updates.bind(backend);
const loops = (backend: BackendWasm) => bind(backend)!;

/**
 * Whether the fused updates can run on the active backend: the wasm backend, with loops that
 * compile here. Elsewhere (cpu, tfjs-node, no SIMD) tfjs's own updates run.
 */
export function canFuseUpdates(): boolean {
  return tf.getBackend() === 'wasm' && bind(tf.backend() as BackendWasm) != null;
}

type Info = tf.TensorInfo;

const f = Math.fround;

const listed = (inputs: Record<string, Info>, name: string, count: number) =>
  Array.from({ length: count }, (_, i) => inputs[`${name}${i}`]);

/**
 * Inputs value{i}, grad{i}, m{i}, v{i} for i < count, and the scalars accBeta1, accBeta2 (beta^t);
 * outputs the new values, first moments and second moments (count each), then the next beta powers.
 */
function fusedAdam({ inputs, backend, attrs }: WasmKernelArgs): Info[] {
  const { count, learningRate, beta1, beta2, epsilon } = attrs as unknown as FusedAdamAttrs;
  const [values, grads, ms, vs] = ['value', 'grad', 'm', 'v'].map((name) => listed(inputs, name, count));
  const powers = [inputs.accBeta1, inputs.accBeta2];
  const outputs = [...values, ...ms, ...vs, ...powers].map((x) => backend.makeOutput(x.shape, 'float32'));
  const [acc1, acc2] = powers.map((p) => (backend.typedArrayFromHeap(p) as Float32Array)[0]);
  // tfjs's scalars: 1 - beta and -rate in float64, then float32; 1 - beta^t in float32.
  const constants = [f(beta1), f(1 - beta1), f(beta2), f(1 - beta2), f(1 - acc1), f(1 - acc2)];
  const { adam } = loops(backend);
  const at = (x: Info) => heapPointer(backend, x);
  for (let i = 0; i < count; i++) {
    const size = tf.util.sizeFromShape(values[i].shape);
    const out = [outputs[i], outputs[count + i], outputs[2 * count + i]].map(at);
    adam(
      at(values[i]),
      at(grads[i]),
      at(ms[i]),
      at(vs[i]),
      ...out,
      size,
      ...constants,
      f(epsilon),
      f(-learningRate),
    );
  }
  (backend.typedArrayFromHeap(outputs[3 * count]) as Float32Array)[0] = f(acc1 * f(beta1));
  (backend.typedArrayFromHeap(outputs[3 * count + 1]) as Float32Array)[0] = f(acc2 * f(beta2));
  return outputs;
}

/** Inputs value{i}, grad{i}, acc{i}; outputs the new values, then the new accumulations. */
function fusedMomentum({ inputs, backend, attrs }: WasmKernelArgs): Info[] {
  const { count, learningRate, momentum } = attrs as unknown as FusedMomentumAttrs;
  const [values, grads, accs] = ['value', 'grad', 'acc'].map((name) => listed(inputs, name, count));
  const outputs = [...values, ...accs].map((x) => backend.makeOutput(x.shape, 'float32'));
  const loop = loops(backend).momentum;
  const at = (x: Info) => heapPointer(backend, x);
  for (let i = 0; i < count; i++) {
    const size = tf.util.sizeFromShape(values[i].shape);
    loop(
      at(values[i]),
      at(grads[i]),
      at(accs[i]),
      at(outputs[i]),
      at(outputs[count + i]),
      size,
      f(momentum),
      f(-learningRate),
    );
  }
  return outputs;
}

export function registerOptimizerUpdates(): void {
  overrideWasmKernel(FUSED_ADAM, () => fusedAdam);
  overrideWasmKernel(FUSED_MOMENTUM, () => fusedMomentum);
}
