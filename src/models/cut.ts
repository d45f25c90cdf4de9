import { tf, type LayersModel, type Tensor } from '../engine/tf.js';

type Layer = LayersModel['layers'][number];

/**
 * A functional tfjs model seen as a graph of layers, so that it can be run between any two of its
 * layers: from its inputs to the states at some layers in one pass, from a state at layer a to
 * layer b ("the teacher thinks"), or from a state to the output. States are named by the layer
 * that produces them; model inputs by their input layer's name.
 */
export class ModelGraph {
  private readonly layers = new Map<string, Layer>();
  /** For each layer, the layers whose outputs it consumes, in call order. */
  private readonly parents = new Map<string, string[]>();
  readonly inputNames: string[];
  readonly outputName: string;

  readonly model: LayersModel;

  constructor(model: LayersModel) {
    // A functional view of a Sequential model (sharing its layers) has the input layer and the
    // inbound nodes the graph walk needs.
    this.model =
      model instanceof tf.Sequential
        ? tf.model({ inputs: model.inputs, outputs: model.outputs, name: `${model.name}_graph` })
        : model;
    model = this.model;
    for (const layer of model.layers) {
      this.layers.set(layer.name, layer);
      if (layer.inboundNodes.length > 1) {
        throw new Error(
          `Layer "${layer.name}" of ${model.name} is applied more than once; shared layers are not supported`,
        );
      }
      const node = layer.inboundNodes[0];
      this.parents.set(layer.name, node ? node.inboundLayers.map((parent) => parent.name) : []);
    }
    this.inputNames = model.inputLayers.map((layer) => layer.name);
    if (model.outputLayers.length !== 1) throw new Error(`${model.name} must have exactly one output`);
    this.outputName = model.outputLayers[0].name;
  }

  layer(name: string): Layer {
    const layer = this.layers.get(name);
    if (!layer) {
      throw new Error(
        `${this.model.name} has no layer "${name}"; its layers are ${[...this.layers.keys()].join(', ')}`,
      );
    }
    return layer;
  }

  /** Shape of one example's state at `name` (without the batch axis). */
  stateShape(name: string): number[] {
    const shape = this.layer(name).outputShape;
    if (!Array.isArray(shape) || Array.isArray(shape[0]))
      throw new Error(`Layer "${name}" has several outputs`);
    return (shape as (number | null)[]).slice(1).map((d) => {
      if (d == null) throw new Error(`Layer "${name}" has an unknown output size`);
      return d;
    });
  }

  /** The input of the output head: the penultimate representation. */
  penultimate(): string {
    const parents = this.parents.get(this.outputName)!;
    if (parents.length !== 1) throw new Error(`The output layer of ${this.model.name} has several inputs`);
    return parents[0];
  }

  /** Layers every path from the inputs to `target` passes through (in topological order). */
  separators(target: string): string[] {
    const order = this.model.layers.map((l) => l.name);
    const ancestors = this.ancestors(target);
    return order.filter(
      (name) =>
        ancestors.has(name) &&
        name !== target &&
        !this.inputNames.includes(name) &&
        this.separates(name, target),
    );
  }

  /**
   * The default lower communication layer: the end of the input stem, i.e. the first layer that
   * all inputs flow through, moved past the normalisation and activation layers that directly
   * follow it (so a message is formed from a finished representation, e.g. `concat` of the
   * embeddings, or `stem_relu` of a residual net).
   */
  lowerCut(): string {
    const chain = this.separators(this.penultimate());
    if (chain.length === 0) return this.penultimate();
    let k = 0;
    const trailing = [
      'BatchNormalization',
      'FusedBatchNormalization',
      'Activation',
      'ReLU',
      'LayerNormalization',
      'Flatten',
    ];
    while (k + 1 < chain.length && trailing.includes(this.layer(chain[k + 1]).getClassName())) k++;
    return chain[k];
  }

  /** Layers from which `name` is computed, itself included. */
  ancestors(name: string): Set<string> {
    this.layer(name);
    const seen = new Set<string>();
    const visit = (n: string) => {
      if (seen.has(n)) return;
      seen.add(n);
      for (const p of this.parents.get(n)!) visit(p);
    };
    visit(name);
    return seen;
  }

  /**
   * Whether every path from the model inputs to `target` goes through `cut`: a walk up from
   * `target` that does not pass `cut` finds no input. Each layer is visited once, so a graph of
   * many residual blocks (two paths each, 2^blocks paths in all) costs layers + connections.
   */
  private separates(cut: string, target: string): boolean {
    const seen = new Set<string>([cut]);
    const stack = [target];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      if (this.inputNames.includes(n)) return false;
      seen.add(n);
      stack.push(...this.parents.get(n)!);
    }
    return true;
  }

  /** The layers strictly after all of `from` on the way to `to`. */
  private layersBetween(from: string[], to: string[]): Layer[] {
    const below = new Set(from.flatMap((name) => [...this.ancestors(name)]));
    const needed = new Set(to.flatMap((name) => [...this.ancestors(name)]));
    return this.model.layers.filter((l) => needed.has(l.name) && !below.has(l.name));
  }

  /** Trainable weights of the layers strictly after `from` on the way to `to`. */
  weightsBetween(from: string, to: string): tf.LayerVariable[] {
    return this.layersBetween([from], [to]).flatMap((l) => l.trainableWeights);
  }

  /**
   * `run` in training mode (batch statistics, dropout) that leaves the moving statistics of batch
   * norm as they were. For a second pass in one step over states that are not the model's own
   * (talking reads the teacher's answer through the student's upper layers): those must not shift
   * the statistics the model uses when it runs alone.
   */
  runKeepingStatistics(feeds: Record<string, Tensor>, targets: string[]): Record<string, Tensor> {
    const statistics = this.layersBetween(Object.keys(feeds), targets).flatMap((l) => l.nonTrainableWeights);
    // A clone holds the old values alive: batch norm replaces each variable's tensor, it does not overwrite it.
    const saved = statistics.map((w) => w.read().clone());
    const states = this.run(feeds, targets, true);
    statistics.forEach((w, i) => w.write(saved[i]));
    tf.dispose(saved);
    return states;
  }

  /**
   * Computes the states at `targets` from `feeds` (states keyed by layer name, or model inputs by
   * input name), calling only the layers that are needed. A target that depends on something
   * not fed (a connection that bypasses the fed states) is an error naming the layers.
   */
  run(feeds: Record<string, Tensor>, targets: string[], training: boolean): Record<string, Tensor> {
    const values = new Map<string, Tensor>(Object.entries(feeds));
    const compute = (name: string, needer: string): Tensor => {
      const known = values.get(name);
      if (known) return known;
      const layer = this.layer(name);
      if (this.inputNames.includes(name)) {
        throw new Error(
          `Cannot compute "${needer}" of ${this.model.name} from the states at ${Object.keys(feeds).join(', ')}: ` +
            `it also needs the model input "${name}" (a connection bypasses the cut; choose a layer that separates the graph)`,
        );
      }
      const inputs = this.parents.get(name)!.map((p) => compute(p, needer));
      const out = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training }) as Tensor;
      values.set(name, out);
      return out;
    };
    return Object.fromEntries(targets.map((t) => [t, compute(t, t)]));
  }
}

/** Output of `model` for its inputs, as `ModelGraph.run` computes it (for tests and methods). */
export function runModel(graph: ModelGraph, inputs: Tensor[], training: boolean): Tensor {
  const feeds = Object.fromEntries(graph.inputNames.map((name, i) => [name, inputs[i]]));
  return graph.run(feeds, [graph.outputName], training)[graph.outputName];
}
