import { tf } from './tf.js';
import {
  canFuseUpdates,
  FUSED_ADAM,
  FUSED_MOMENTUM,
  type FusedAdamAttrs,
  type FusedMomentumAttrs,
} from './kernels/optimizer_updates.js';

/** What tfjs's applyGradients takes: gradients by variable name, as a map or a list. */
type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/** A slot variable as tfjs's optimizers keep them (name for getWeights, and the variable). */
interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** The variables and gradients of one update, in tfjs's order (slot i belongs to the i-th name). */
function entries(gradients: Gradients): { name: string; gradient: tf.Tensor | undefined }[] {
  return Array.isArray(gradients)
    ? gradients.map(({ name, tensor }) => ({ name, gradient: tensor }))
    : Object.keys(gradients).map((name) => ({ name, gradient: gradients[name] }));
}

/** Creates the zero slot for the i-th variable where tfjs's optimizer would, named as it names it. */
function ensureSlot(slots: Slot[], i: number, name: string, suffix: string): tf.Variable {
  slots[i] ??= {
    originalName: `${name}/${suffix}`,
    variable: tf.tidy(() => tf.zerosLike(tf.engine().registeredVariables[name]).variable(false)),
  };
  return slots[i].variable;
}

/** Whether the fused kernels run on the active backend and every tensor is float32. */
const fusable = (tensors: tf.Tensor[]) => canFuseUpdates() && tensors.every((t) => t.dtype === 'float32');

/** Runs a fused update kernel and moves each output into its variable. */
function runUpdate(kernel: string, inputs: tf.NamedTensorMap, attrs: object, targets: tf.Variable[]): void {
  tf.tidy(() => {
    const outputs = tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor[];
    targets.forEach((target, i) => target.assign(outputs[i]));
  });
}

/**
 * tfjs's Adam with the update of all variables in one kernel where the backend has it (the wasm
 * kernel pack), bit-identical to tfjs's own; elsewhere (cpu, tfjs-node) tfjs's own update runs.
 * Slots, getWeights/setWeights and the beta powers are tfjs's, so checkpoints are unchanged.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(gradients: Gradients): void {
    const self = this as unknown as {
      accumulatedFirstMoment: Slot[];
      accumulatedSecondMoment: Slot[];
      accBeta1: tf.Variable;
      accBeta2: tf.Variable;
    };
    const updates = entries(gradients);
    const given = updates.filter((u) => u.gradient != null).map((u) => u.gradient!);
    if (!fusable(given)) return super.applyGradients(gradients);
    const inputs: tf.NamedTensorMap = { accBeta1: self.accBeta1, accBeta2: self.accBeta2 };
    const targets: tf.Variable[][] = [[], [], []];
    updates.forEach(({ name, gradient }, i) => {
      const m = ensureSlot(self.accumulatedFirstMoment, i, name, 'm');
      const v = ensureSlot(self.accumulatedSecondMoment, i, name, 'v');
      if (gradient == null) return;
      const k = targets[0].length;
      const value = tf.engine().registeredVariables[name];
      Object.assign(inputs, { [`value${k}`]: value, [`grad${k}`]: gradient, [`m${k}`]: m, [`v${k}`]: v });
      targets[0].push(value);
      targets[1].push(m);
      targets[2].push(v);
    });
    const attrs: FusedAdamAttrs = {
      count: targets[0].length,
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    };
    runUpdate(FUSED_ADAM, inputs, attrs, [...targets.flat(), self.accBeta1, self.accBeta2]);
    this.incrementIterations();
  }
}

/**
 * tfjs's momentum SGD (not Nesterov) with the update of all variables in one kernel where the
 * backend has it, bit-identical to tfjs's own; elsewhere tfjs's own update runs.
 */
export class FusedMomentumOptimizer extends tf.MomentumOptimizer {
  override applyGradients(gradients: Gradients): void {
    const self = this as unknown as { accumulations: Slot[] };
    const updates = entries(gradients);
    const given = updates.filter((u) => u.gradient != null).map((u) => u.gradient!);
    if (!fusable(given)) return super.applyGradients(gradients);
    const inputs: tf.NamedTensorMap = {};
    const targets: tf.Variable[][] = [[], []];
    updates.forEach(({ name, gradient }, i) => {
      const accumulation = ensureSlot(self.accumulations, i, name, 'momentum');
      if (gradient == null) return;
      const k = targets[0].length;
      const value = tf.engine().registeredVariables[name];
      Object.assign(inputs, { [`value${k}`]: value, [`grad${k}`]: gradient, [`acc${k}`]: accumulation });
      targets[0].push(value);
      targets[1].push(accumulation);
    });
    const attrs: FusedMomentumAttrs = {
      count: targets[0].length,
      learningRate: this.learningRate,
      momentum: (this as unknown as { momentum: number }).momentum,
    };
    runUpdate(FUSED_MOMENTUM, inputs, attrs, targets.flat());
    this.incrementIterations();
  }
}

/** tf.train.adam, with the fused update. */
export const adam = (learningRate: number) => new FusedAdamOptimizer(learningRate, 0.9, 0.999);

/** tf.train.momentum (not Nesterov), with the fused update. */
export const momentum = (learningRate: number, rate: number) =>
  new FusedMomentumOptimizer(learningRate, rate);
