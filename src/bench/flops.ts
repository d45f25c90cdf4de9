import { tf, type LayersModel } from '../engine/tf.js';

/** Floating-point operations of one step (a training step, or a forward pass), by kind of kernel. */
export interface StepFlops {
  /** Dense layers' matrix products. */
  matmul: number;
  /** 2-D convolutions. */
  conv: number;
}

type Layer = tf.layers.Layer;

/** The shape of a layer's first input or output (layers here are applied once). */
const shapeOf = (tensor: tf.SymbolicTensor | tf.SymbolicTensor[]): tf.Shape =>
  (Array.isArray(tensor) ? tensor[0] : tensor).shape;

/**
 * Counts the multiply-adds (2 FLOPs each) of a model's dense and convolution layers in one
 * training step of `batch` examples, analytically from the layer shapes. A layer's product runs
 * once forward, once more for its weight gradient when its weights train, and once more for its
 * input gradient when something upstream trains (PyTorch and tfjs both skip that product for a
 * layer reading only the data, such as the first convolution).
 */
export function trainingFlops(model: LayersModel, batch: number): StepFlops {
  const trainsUpstream = new Map<Layer, boolean>();
  const upstream = (layer: Layer): boolean => {
    const known = trainsUpstream.get(layer);
    if (known !== undefined) return known;
    const inbound = layer.inboundNodes.flatMap((node) => node.inboundLayers);
    const trains = inbound.some((l) => l.trainableWeights.length > 0 || upstream(l));
    trainsUpstream.set(layer, trains);
    return trains;
  };
  return countFlops(model, batch, (layer) => 1 + (layer.trainable ? 1 : 0) + (upstream(layer) ? 1 : 0));
}

/** The multiply-adds of one forward pass of `batch` examples, as a frozen teacher runs it. */
export function forwardFlops(model: LayersModel, batch: number): StepFlops {
  return countFlops(model, batch, () => 1);
}

function countFlops(model: LayersModel, batch: number, passesOf: (layer: Layer) => number): StepFlops {
  const flops: StepFlops = { matmul: 0, conv: 0 };
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if (className !== 'Dense' && className !== 'Conv2D') continue;
    const kernel = layer.weights[0].shape as number[];
    const passes = passesOf(layer);
    if (className === 'Dense') {
      const input = shapeOf(layer.getInputAt(0));
      const rows = batch * input.slice(1, -1).reduce<number>((a, b) => a * (b ?? 1), 1);
      flops.matmul += 2 * rows * kernel[0] * kernel[1] * passes;
    } else {
      const [, height, width] = shapeOf(layer.getOutputAt(0)) as number[];
      flops.conv += 2 * batch * height * width * kernel[0] * kernel[1] * kernel[2] * kernel[3] * passes;
    }
  }
  return flops;
}
