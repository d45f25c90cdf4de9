import { tf, type Tensor } from '../engine/tf.js';

export interface FactorProductConfig {
  /** Width of the user vector and of the item vector at the start of the input. */
  width: number;
  /** How many leading dimensions of each vector are latent factors that multiply. */
  factors: number;
  /**
   * Separately trained factorisations side by side (default 1): the input then holds every
   * member's user vector, then every member's item vector, then the extras, and the output every
   * member's products, then the extras. Saved configs without it are one member.
   */
  members?: number;
  name?: string;
}

/**
 * The factorisation term of a rating model, computed after one concatenation of everything the
 * embeddings give: the input is [user vector (width), item vector (width), extra...], the output
 * [u[:factors] * v[:factors] elementwise, extra...]. A dense unit over it with unit weights is
 * biased matrix factorisation when the extras are the user and item biases. Reading the
 * concatenation, rather than the embeddings directly, keeps that concatenation a layer every path
 * from the inputs passes through, where methods can cut the model. With `members`, it is the
 * factorisation term of several such models at once (see `assembleMembers`).
 */
export class FactorProduct extends tf.layers.Layer {
  static readonly className = 'FactorProduct';
  private readonly width: number;
  private readonly factors: number;
  private readonly members: number;

  constructor(config: FactorProductConfig) {
    super(config);
    if (!Number.isInteger(config.width) || config.width < 1)
      throw new Error(`FactorProduct: width must be a positive integer, got ${config.width}`);
    if (!Number.isInteger(config.factors) || config.factors < 1 || config.factors > config.width) {
      throw new Error(
        `FactorProduct: factors must be an integer from 1 to width (${config.width}), got ${config.factors}`,
      );
    }
    const members = config.members ?? 1;
    if (!Number.isInteger(members) || members < 1)
      throw new Error(`FactorProduct: members must be a positive integer, got ${config.members}`);
    this.width = config.width;
    this.factors = config.factors;
    this.members = members;
  }

  /** Width of all members' user vectors (and of their item vectors). */
  private get vectors(): number {
    return this.members * this.width;
  }

  private extra(inputWidth: number | null): number {
    if (inputWidth == null || inputWidth < 2 * this.vectors) {
      const of = this.members === 1 ? '' : ` (${this.members} members of width ${this.width})`;
      throw new Error(
        `FactorProduct "${this.name}": expected an input of at least 2 x ${this.vectors} features ` +
          `(user vectors, item vectors, extras${of}), got ${inputWidth}`,
      );
    }
    return inputWidth - 2 * this.vectors;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    if (shape.length !== 2) throw new Error(`FactorProduct "${this.name}": expected a rank-2 input`);
    return [shape[0], this.members * this.factors + this.extra(shape[1])];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const extra = this.extra(x.shape[1] ?? null);
      const product = this.leading(x, 0).mul(this.leading(x, this.vectors));
      return extra === 0 ? product : tf.concat([product, x.slice([0, 2 * this.vectors], [-1, extra])], 1);
    });
  }

  /** The leading `factors` dimensions of each member's vector in the block at `start`. */
  private leading(x: Tensor, start: number): Tensor {
    return x
      .slice([0, start], [-1, this.vectors])
      .reshape([-1, this.members, this.width])
      .slice([0, 0, 0], [-1, -1, this.factors])
      .reshape([-1, this.members * this.factors]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), width: this.width, factors: this.factors, members: this.members };
  }
}

// Saved models name the class; loading them needs it registered.
tf.serialization.registerClass(FactorProduct);
