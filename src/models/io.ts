import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { tf, type LayersModel } from '../engine/tf.js';
import { fileStorage } from '../storage/files.js';
import { readText, switchFiles, type RunStorage } from '../storage/storage.js';
// Registers the project's own layer classes, so that every model this module loads can use them.
import './factor_product.js';
import { upgradeBatchNormalization } from './fused_batch_normalization.js';
import { parseJson } from '../util/schema.js';
import { readOrExplain } from '../storage/files.js';

/**
 * Model files with Node's fs, so that models save and load without tfjs-node. A model
 * is a folder with tfjs's own layout (`model.json` + one weights file), readable by
 * `tf.loadLayersModel` in a browser too.
 */

const MODEL_JSON = 'model.json';

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

const manifestSchema = z.looseObject({
  modelTopology: z.looseObject({}),
  weightsManifest: z.array(
    z.looseObject({
      paths: z.array(z.string()),
      weights: z.array(
        z.looseObject({
          name: z.string(),
          shape: z.array(z.int().nonnegative()),
          dtype: z.enum(Object.keys(BYTES_PER_ELEMENT)),
        }),
      ),
    }),
  ),
});

function expectedBytes(specs: tf.io.WeightsManifestEntry[], file: string): number {
  return specs.reduce((total, spec) => {
    // Quantized weights (from tfjs-converter) are stored in fewer bytes than their dtype says.
    if (spec.quantization != null) {
      throw new Error(`${file}: weight "${spec.name}" is quantized; expected plain ${spec.dtype} values`);
    }
    return total + BYTES_PER_ELEMENT[spec.dtype] * tf.util.sizeFromShape(spec.shape);
  }, 0);
}

/**
 * Saves a model (topology and weights) to a folder, replacing a model saved there before: the
 * weights go to a file named by their hash, then model.json, which names that file, is replaced
 * in one atomic write. A kill at any moment leaves a complete model, the old one or the new one.
 */
export async function saveModel(model: LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const storage = fileStorage(dir);
      const weights = `weights-${createHash('sha256').update(weightData).digest('hex').slice(0, 16)}.bin`;
      const modelJson = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: 'talking-models',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [weights], weights: artifacts.weightSpecs }],
      };
      await switchFiles(
        storage,
        { name: weights, data: weightData },
        { name: MODEL_JSON, text: JSON.stringify(modelJson) },
        await previousWeights(storage),
      );
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/** The weights file a model.json already in the folder names, to remove once it is replaced. */
async function previousWeights(storage: RunStorage): Promise<string | undefined> {
  const text = await readText(storage, MODEL_JSON);
  if (text === undefined) return undefined;
  try {
    return (JSON.parse(text) as { weightsManifest?: { paths?: string[] }[] }).weightsManifest?.[0]
      ?.paths?.[0];
  } catch {
    return undefined; // not a model of ours: nothing of it is removed
  }
}

/**
 * Loads a tfjs LayersModel from its folder, its `model.json`, or the output folder of
 * `talking-models distill` or `train` (which holds it in `model/`): one saved by `saveModel`, by
 * `model.save`, or by `tensorflowjs_converter` with weights in any number of shard files (the
 * shards of each manifest group hold its weights' bytes in order, cut at any byte). Its tfjs
 * BatchNormalization layers load as FusedBatchNormalization where that computes the same
 * (`upgradeBatchNormalization`), so that models saved before it existed train as fast.
 */
export async function loadModel(path: string): Promise<LayersModel> {
  const runModel = join(path, 'model', MODEL_JSON);
  const jsonFile = path.endsWith('.json')
    ? path
    : !existsSync(join(path, MODEL_JSON)) && existsSync(runModel)
      ? runModel
      : join(path, MODEL_JSON);
  const dir = dirname(jsonFile);
  const raw = await readOrExplain(jsonFile, 'the model description');
  const parsed = parseJson(jsonFile, raw.toString('utf8'), manifestSchema, 'the model description');
  if (parsed.format === 'graph-model') {
    throw new Error(
      `${jsonFile}: a tfjs GraphModel (a converted SavedModel); expected a LayersModel. Distilling needs ` +
        'layers to cut and run from an intermediate layer with trainable weights, which a GraphModel does ' +
        'not have: convert the Keras model instead (tensorflowjs_converter --input_format keras ...)',
    );
  }
  const specs = parsed.weightsManifest.flatMap((group) => group.weights) as tf.io.WeightsManifestEntry[];
  const files = parsed.weightsManifest.flatMap((group) => group.paths).map((path) => join(dir, path));
  const buffers = await Promise.all(files.map((file) => readOrExplain(file, 'model weights')));
  const weightData = Buffer.concat(buffers);
  const expected = expectedBytes(specs, jsonFile);
  if (weightData.byteLength !== expected) {
    throw new Error(
      `${files.join(' + ')}: expected ${expected} bytes of weights for the ${specs.length} ` +
        `weights listed in ${MODEL_JSON}, found ${weightData.byteLength}`,
    );
  }
  upgradeBatchNormalization(parsed.modelTopology);
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: parsed.modelTopology,
        weightSpecs: specs,
        weightData: weightData.buffer.slice(
          weightData.byteOffset,
          weightData.byteOffset + weightData.byteLength,
        ),
      }),
    );
  } catch (error) {
    throw new Error(`${jsonFile}: ${(error as Error).message}`);
  }
}
