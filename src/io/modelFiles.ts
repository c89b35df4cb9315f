import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { quantizeWeights, WEIGHT_QUANTIZATIONS, type WeightQuantization } from '../compress/quantize.js';
import { assertBoolean, assertKnownKeys, assertOneOf, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { importNodeBuiltin, isNode } from '../core/platform.js';
// Registers unet-kit's custom layers, so loadModel can read models that use them.
import '../layers/index.js';
import { claimLayers } from '../layers/claimLayers.js';

/** File names {@link saveModel} writes inside its directory. */
export const MODEL_FILE_NAMES = { modelJson: 'model.json', weights: 'weights.bin' } as const;

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /**
   * Also save the optimizer's state (Adam moments ...) and training config of a compiled model,
   * to resume training after {@link loadModel}. Default false.
   */
  includeOptimizer?: boolean;
  /**
   * Store the float32 weights quantized, in tensorflowjs_converter's format (stock
   * `tf.loadLayersModel` dequantizes them): `'uint8'` (a quarter of the bytes), `'uint16'` or
   * `'float16'` (half). See `quantizeWeights` (unet-kit/compress). Default: float32, exact.
   */
  quantize?: WeightQuantization;
}

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

async function nodeModules(functionName: string): Promise<{ fs: Fs; path: Path }> {
  if (!isNode()) {
    throw new UnetKitError(
      functionName,
      'dir',
      "needs Node.js file access, which this runtime lacks; in a browser use model.save('indexeddb://name') / " +
        "tf.loadLayersModel('indexeddb://name'), or 'downloads://' and tf.io.browserFiles.",
    );
  }
  const [fs, path] = await Promise.all([importNodeBuiltin<Fs>('fs/promises'), importNodeBuiltin<Path>('path')]);
  return { fs, path };
}

function assertDir(functionName: string, dir: unknown): asserts dir is string {
  if (typeof dir !== 'string' || dir.trim() === '') fail(functionName, 'dir', dir, 'a directory path (a non-empty string)');
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * Saves a `tf.LayersModel` to `dir` in the tfjs layers format: `model.json` (topology, weight
 * manifest) and `weights.bin` (all weights, little-endian float32), the files
 * `tf.loadLayersModel` and `tensorflowjs_converter` read. Works in plain Node, without
 * `@tensorflow/tfjs-node` (whose `file://` handler tfjs-core lacks): the artifacts come from
 * `tf.io.withSaveHandler` and are written with `node:fs`, loaded only when called. Creates `dir`
 * if needed and overwrites both files.
 *
 * Throws a {@link UnetKitError} in a browser (use `indexeddb://` or `downloads://` there).
 *
 * @param model - The model to save.
 * @param dir - Directory to write `model.json` and `weights.bin` into.
 * @param options - `includeOptimizer` (default false), `quantize` (default none: float32).
 * @returns tfjs' `SaveResult` (byte sizes of topology and weights).
 * @example
 * ```ts
 * await saveModel(model, './checkpoints/unet');
 * const again = await loadModel('./checkpoints/unet'); // same outputs, bit for bit
 * ```
 */
export async function saveModel(
  model: tfl.LayersModel,
  dir: string,
  options: SaveModelOptions = {},
): Promise<tf.io.SaveResult> {
  if (model === null || typeof model !== 'object' || typeof (model as { save?: unknown }).save !== 'function') {
    fail('saveModel', 'model', model, 'a tf.LayersModel (from tf.model, tf.sequential or a unet-kit factory)');
  }
  assertDir('saveModel', dir);
  assertOptionsObject('saveModel', options);
  assertKnownKeys('saveModel', options, ['includeOptimizer', 'quantize']);
  if (options.quantize !== undefined) assertOneOf('saveModel', 'options.quantize', options.quantize, WEIGHT_QUANTIZATIONS);
  const includeOptimizer = options.includeOptimizer ?? false;
  assertBoolean('saveModel', 'options.includeOptimizer', includeOptimizer);
  const { fs, path } = await nodeModules('saveModel');

  const handler = tf.io.withSaveHandler(async (artifacts) => {
    const floatData =
      artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
    const { weightData, weightSpecs } =
      options.quantize === undefined ? { weightData: floatData, weightSpecs: artifacts.weightSpecs ?? [] } : quantizeWeights(floatData, artifacts.weightSpecs ?? [], options.quantize);
    const modelJson: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology as object,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      weightsManifest: [{ paths: [`./${MODEL_FILE_NAMES.weights}`], weights: weightSpecs }],
    };
    if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
    if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
    if (artifacts.signature !== undefined) modelJson.signature = artifacts.signature;
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, MODEL_FILE_NAMES.weights), new Uint8Array(weightData));
    // model.json last: a directory with a model.json always has its weights.
    await fs.writeFile(path.join(dir, MODEL_FILE_NAMES.modelJson), JSON.stringify(modelJson));
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON({ ...artifacts, weightData, weightSpecs }) };
  });
  return model.save(handler, { includeOptimizer });
}

/**
 * A `tf.io.IOHandler` that reads a tfjs layers model (`model.json` plus the weight files its
 * `weightsManifest` names, concatenated in manifest order) from `dir` with `node:fs`. Pass it
 * to `tfl.loadLayersModel` yourself for load options (`strict: false`), or use {@link loadModel}.
 * Reads files written by {@link saveModel}, by `tensorflowjs_converter` (sharded weights) and by
 * tfjs-node's `file://` handler.
 *
 * @example `const model = await tf.loadLayersModel(modelDirHandler('./checkpoints/unet'));`
 */
export function modelDirHandler(dir: string): tf.io.IOHandler {
  assertDir('modelDirHandler', dir);
  return {
    load: async () => {
      const { fs, path } = await nodeModules('loadModel');
      const jsonPath = path.join(dir, MODEL_FILE_NAMES.modelJson);
      let text: string;
      try {
        text = await fs.readFile(jsonPath, 'utf8');
      } catch (error) {
        throw new UnetKitError('loadModel', 'dir', `is '${dir}', which has no readable ${MODEL_FILE_NAMES.modelJson} (${(error as Error).message}); expected a directory written by saveModel.`);
      }
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(text) as tf.io.ModelJSON;
      } catch (error) {
        throw new UnetKitError('loadModel', 'dir', `is '${dir}', whose ${MODEL_FILE_NAMES.modelJson} is not valid JSON (${(error as Error).message}).`);
      }
      if (modelJson === null || typeof modelJson !== 'object' || modelJson.modelTopology === undefined) {
        throw new UnetKitError('loadModel', 'dir', `is '${dir}', whose ${MODEL_FILE_NAMES.modelJson} has no modelTopology; expected a tfjs layers model.`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const file of group.paths) {
            try {
              buffers.push(toArrayBuffer(await fs.readFile(path.join(dir, file))));
            } catch (error) {
              throw new UnetKitError('loadModel', 'dir', `is '${dir}', which lacks the weight file '${file}' named in ${MODEL_FILE_NAMES.modelJson} (${(error as Error).message}).`);
            }
          }
        }
        return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/**
 * Loads a model saved by {@link saveModel} (or any tfjs layers model directory) in plain Node:
 * `tfl.loadLayersModel` over {@link modelDirHandler}. unet-kit's custom layers are registered
 * by this module, and the optimizer state comes back when it was saved with `includeOptimizer`.
 * Layers applied several times (r2UNet) are claimed ({@link claimLayers}), so `model.dispose()`
 * frees every weight.
 *
 * Throws a {@link UnetKitError} in a browser, or when `dir` lacks `model.json` or a weight file.
 *
 * @param dir - Directory holding `model.json` and its weight files.
 * @returns The model, with the saved weights.
 * @example
 * ```ts
 * const model = await loadModel('./checkpoints/unet');
 * const y = model.predict(x) as tf.Tensor;
 * ```
 */
export async function loadModel(dir: string): Promise<tfl.LayersModel> {
  assertDir('loadModel', dir);
  if (!isNode()) await nodeModules('loadModel');
  // A saved model with shared layers (r2UNet's recurrent convs) loads with one reference per
  // application; claim them so that model.dispose() frees every weight.
  return claimLayers(await tfl.loadLayersModel(modelDirHandler(dir)));
}
