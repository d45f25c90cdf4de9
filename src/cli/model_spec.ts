import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf, type LayersModel, type SymbolicTensor } from '../engine/tf.js';
import { Random } from '../engine/random.js';
import { buildRecommender } from '../models/recommender.js';
import { buildResNet } from '../models/resnet.js';
import type { TrainingData } from './data_spec.js';

/** A model to train from scratch: a preset, or an architecture file used with fresh weights. */
export type ModelSpec =
  | { kind: 'mlp'; widths: number[] }
  | { kind: 'cnn'; widths: number[] }
  | { kind: 'recommender'; embedding: number; widths: number[] }
  | { kind: 'file'; path: string };

const widthList = (text: string) => {
  const widths = text.split(',').map(Number);
  return widths.length > 0 && widths.every((w) => Number.isInteger(w) && w > 0) ? widths : undefined;
};

/** Parses `mlp:64,32`, `cnn:8,16,32`, `recommender:8:32,16` or a model.json path, before any data loads. */
export function parseModelSpec(text: string, flag: string): ModelSpec {
  const [kind, ...rest] = text.split(':');
  const fail = () =>
    new Error(
      `${flag} "${text}": expected mlp:WIDTHS (e.g. mlp:64,32), cnn:WIDTHS (e.g. cnn:8,16,32), ` +
        'recommender:EMBEDDING:WIDTHS (e.g. recommender:8:32,16), or a model.json (or its folder) whose ' +
        'architecture is trained from fresh weights',
    );
  if (kind === 'mlp' || kind === 'cnn') {
    const widths = rest.length === 1 ? widthList(rest[0]) : undefined;
    if (!widths) throw fail();
    return { kind, widths };
  }
  if (kind === 'recommender') {
    const embedding = Number(rest[0]);
    const widths = rest.length === 2 ? widthList(rest[1]) : undefined;
    if (!widths || !Number.isInteger(embedding) || embedding < 1) throw fail();
    return { kind, embedding, widths };
  }
  const path = text.endsWith('.json') ? text : join(text, 'model.json');
  if (rest.length > 0 && !existsSync(path)) throw fail();
  if (!existsSync(path))
    throw new Error(`${flag} ${text}: no such model file (${path}); ${fail().message.split(': ')[1]}`);
  return { kind: 'file', path };
}

/** A dense network on one float input (flattened if it has several axes), ReLU between layers. */
function mlp(data: TrainingData, widths: number[], random: Random, name: string): LayersModel {
  const shape = data.train.inputs[0].shape;
  const input = tf.input({ shape, name: 'features' });
  let h: SymbolicTensor = shape.length > 1 ? (tf.layers.flatten().apply(input) as SymbolicTensor) : input;
  const init = () => tf.initializers.glorotUniform({ seed: random.seedInt() });
  widths.forEach((units, i) => {
    h = tf.layers
      .dense({ units, activation: 'relu', kernelInitializer: init(), name: `dense_${i + 1}` })
      .apply(h) as SymbolicTensor;
  });
  const output = tf.layers.dense({
    units: data.outputs,
    kernelInitializer: init(),
    // A value starts at the mean target, so that early stopping does not end training at once.
    biasInitializer: tf.initializers.constant({
      value: data.meta.task === 'regression' ? data.meanTarget : 0,
    }),
    name: 'output',
  });
  return tf.model({ inputs: input, outputs: output.apply(h) as SymbolicTensor, name });
}

/** A model.json's architecture with fresh weights (a converter's Keras topology included). */
async function fromFile(path: string): Promise<LayersModel> {
  let json: { modelTopology?: { model_config?: object } };
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not a readable model.json (${(error as Error).message})`);
  }
  const topology = json.modelTopology?.model_config ?? json.modelTopology;
  if (!topology) throw new Error(`${path}: no modelTopology; expected a tfjs LayersModel model.json`);
  try {
    return await tf.models.modelFromJSON({ modelTopology: topology as tf.io.ModelJSON['modelTopology'] });
  } catch (error) {
    throw new Error(`${path}: cannot build the model (${(error as Error).message})`);
  }
}

/** Builds the model of `spec` for the shapes of `data`, with seeded fresh weights. */
export async function buildModel(
  spec: ModelSpec,
  data: TrainingData,
  seed: number,
  name: string,
  flag: string,
) {
  if (spec.kind === 'file') return fromFile(spec.path);
  const random = new Random(seed).derive(`model/${name}`);
  const inputs = data.train.inputs;
  const needs = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`${flag} ${spec.kind}: needs ${what}, but ${data.spec.text} has other inputs`);
  };
  if (spec.kind === 'mlp') {
    needs(
      inputs.length === 1 && inputs[0].dtype === 'float32',
      'one input of numbers (csv: or folder: data)',
    );
    return mlp(data, spec.widths, random, name);
  }
  if (spec.kind === 'cnn') {
    needs(inputs.length === 1 && inputs[0].shape.length === 3, 'images (folder: data)');
    const [height, width, channels] = inputs[0].shape;
    return buildResNet({
      inputShape: [height, width, channels],
      widths: spec.widths,
      blocksPerStage: 1,
      classes: data.outputs,
      seed: random.seedInt(),
      name,
    });
  }
  needs(data.users !== undefined && data.items !== undefined, 'user and item ids (movielens: data)');
  return buildRecommender({
    users: data.users!,
    items: data.items!,
    embedding: spec.embedding,
    hidden: spec.widths,
    seed: random.seedInt(),
    name,
    outputBias: data.meanTarget,
  });
}
