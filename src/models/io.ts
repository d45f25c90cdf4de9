import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tf, type LayersModel, type Tensor } from '../engine/tf.js';

/**
 * Model and tensor files with Node's fs, so that models save and load without tfjs-node. A model
 * is a folder with tfjs's own layout (`model.json` + `weights.bin`), readable by
 * `tf.loadLayersModel` in a browser too.
 */

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

function expectedBytes(specs: tf.io.WeightsManifestEntry[], file: string): number {
  return specs.reduce((total, spec) => {
    const bytes = BYTES_PER_ELEMENT[spec.dtype];
    if (bytes == null) throw new Error(`${file}: weight "${spec.name}" has unsupported dtype ${spec.dtype}`);
    return total + bytes * spec.shape.reduce((a, b) => a * b, 1);
  }, 0);
}

/**
 * Replaces folder `dir` by a folder written completely beside it first, so an interruption leaves
 * either the old model or the new one, never half of each.
 */
export async function replaceFolder(dir: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await write(tmp);
  if (existsSync(dir)) await rename(dir, old);
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
}

/** Writes a file by renaming a complete temporary copy over it. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

async function readOrExplain(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${file}: cannot read ${what} (${code === 'ENOENT' ? 'no such file' : String(error)})`);
  }
}

/** Saves a model (topology and weights) to a folder. */
export async function saveModel(model: LayersModel, dir: string): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      await replaceFolder(dir, async (tmp) => {
        await writeFile(join(tmp, WEIGHTS_BIN), new Uint8Array(weightData));
        const modelJson = {
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: 'talking-models',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
        };
        await writeFile(join(tmp, MODEL_JSON), JSON.stringify(modelJson));
      });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
}

/** Loads a model saved by `saveModel` (or any single-shard tfjs layers model folder). */
export async function loadModel(dir: string): Promise<LayersModel> {
  const jsonFile = join(dir, MODEL_JSON);
  const raw = await readOrExplain(jsonFile, 'the model description');
  let parsed: { modelTopology?: object; weightsManifest?: tf.io.WeightsManifestConfig };
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new Error(`${jsonFile}: not valid JSON (${(error as Error).message})`);
  }
  if (parsed.modelTopology == null || !Array.isArray(parsed.weightsManifest)) {
    throw new Error(`${jsonFile}: expected "modelTopology" and a "weightsManifest" list`);
  }
  const groups = parsed.weightsManifest;
  const specs = groups.flatMap((group) => group.weights);
  const paths = groups.flatMap((group) => group.paths);
  const buffers = await Promise.all(paths.map((path) => readOrExplain(join(dir, path), 'model weights')));
  const weightData = Buffer.concat(buffers);
  const expected = expectedBytes(specs, jsonFile);
  if (weightData.byteLength !== expected) {
    throw new Error(
      `${join(dir, paths.join(', '))}: expected ${expected} bytes of weights for the ${specs.length} ` +
        `weights listed in ${MODEL_JSON}, found ${weightData.byteLength}`,
    );
  }
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

const TENSORS_MAGIC = 'talking-models tensors 1\n';

/**
 * Saves named tensors to one file: a magic line, a 4-byte header length, a JSON header of
 * {name: {dtype, shape, offset}} and the raw little-endian values. Used for optimizer state and
 * other checkpoint parts that are not models.
 */
export async function saveTensors(file: string, tensors: Record<string, Tensor>): Promise<void> {
  const header: Record<string, { dtype: string; shape: number[]; offset: number }> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32') {
      throw new Error(`saveTensors: "${name}" has dtype ${tensor.dtype}; only float32 and int32 are stored`);
    }
    const values = tensor.dataSync() as Float32Array | Int32Array;
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, offset };
    chunks.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    offset += values.byteLength;
  }
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  await writeFileAtomic(file, Buffer.concat([Buffer.from(TENSORS_MAGIC), length, headerBytes, ...chunks]));
}

/** Loads tensors saved by `saveTensors`. */
export async function loadTensors(file: string): Promise<Record<string, Tensor>> {
  const data = await readOrExplain(file, 'saved tensors');
  const magic = Buffer.from(TENSORS_MAGIC);
  if (data.length < magic.length + 4 || !data.subarray(0, magic.length).equals(magic)) {
    throw new Error(
      `${file}: not a talking-models tensor file (expected it to start with "${TENSORS_MAGIC.trim()}")`,
    );
  }
  const headerLength = data.readUInt32LE(magic.length);
  const bodyStart = magic.length + 4 + headerLength;
  let header: Record<string, { dtype: 'float32' | 'int32'; shape: number[]; offset: number }>;
  try {
    header = JSON.parse(data.subarray(magic.length + 4, bodyStart).toString('utf8'));
  } catch {
    throw new Error(`${file}: the header is not valid JSON (truncated file?)`);
  }
  const out: Record<string, Tensor> = {};
  for (const [name, { dtype, shape, offset }] of Object.entries(header)) {
    const count = shape.reduce((a, b) => a * b, 1);
    const start = bodyStart + offset;
    if (start + count * 4 > data.length) {
      tf.dispose(Object.values(out));
      throw new Error(
        `${file}: "${name}" needs ${count * 4} bytes at offset ${offset}, but the file ends first`,
      );
    }
    const bytes = data.buffer.slice(data.byteOffset + start, data.byteOffset + start + count * 4);
    out[name] = tf.tensor(dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes), shape, dtype);
  }
  return out;
}
