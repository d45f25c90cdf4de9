import { tf, type Tensor } from '../engine/tf.js';

type ConvLayerArgs = Parameters<typeof tf.layers.conv2d>[0];
type LayersConv2DLayer = ReturnType<typeof tf.layers.conv2d>;

/** tfjs-layers' own Conv2D class, which the package only exposes through `tf.layers.conv2d`. */
const LayersConv2D = tf.layers.conv2d({ filters: 1, kernelSize: 1, name: 'class_of_conv2d' })
  .constructor as (new (args: ConvLayerArgs) => LayersConv2DLayer) &
  Pick<typeof tf.layers.Layer, 'fromConfig'>;

/**
 * tfjs-layers' Conv2D, with the same config, weights, values and gradients, that differentiates
 * only what the gradient needs. tfjs-layers always runs the fused convolution op, whose gradient
 * function computes the input and the filter gradients together: a stem reading images computed
 * an input gradient nobody reads (7 ms of a 200 ms cnn step), and a frozen model that a gradient
 * passes through (talking's teacher) computed a filter gradient for every convolution. Without a
 * bias or an activation (the residual nets' convolutions) this layer runs the plain convolution op,
 * whose registered gradient computes each of the two only when the tape asks for it; the kernels,
 * and so the values, are the same. Other configurations run tfjs-layers' code.
 *
 * It is registered under tfjs-layers' class name once this module is loaded (the package's entry
 * point loads it), so every model loaded or cloned in the process then builds its convolutions
 * with it; the saved form is tfjs-layers' own.
 */
export class Conv2D extends LayersConv2D {
  static readonly className = 'Conv2D';

  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
    const plain =
      this.bias == null &&
      this.activation.getClassName() === 'linear' &&
      this.dataFormat === 'channelsLast' &&
      this.padding !== 'causal';
    if (!plain) return super.call(inputs, kwargs);
    return tf.tidy(() =>
      tf.conv2d(
        (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D,
        this.kernel.read() as tf.Tensor4D,
        this.strides as [number, number],
        this.padding as 'same' | 'valid',
        'NHWC',
        this.dilationRate as [number, number],
      ),
    );
  }
}

tf.serialization.registerClass(Conv2D);
