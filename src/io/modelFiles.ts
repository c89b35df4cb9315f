import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { quantizeWeights, WEIGHT_QUANTIZATIONS, type WeightQuantization } from '../compress/quantize.js';
import { assertBoolean, assertKnownKeys, assertOneOf, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { importNodeBuiltin, isNode } from '../core/platform.js';
// Registers unet-kit's custom layers, so loadModel can read models that use them.
import '../layers/index.js';
import { claimLayers } from '../layers/claimLayers.js';
import { readableDir, writeDirAtomically } from './atomicDir.js';
import { INTEGRITY_KEY, manifestByteTotal, sha256Hex, verifyWeightBytes } from './weightManifest.js';

/** File names {@link saveModel} writes inside its directory. */
export const MODEL_FILE_NAMES = { modelJson: 'model.json', weights: 'weights.bin' } as const;

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /**
   * Also save the optimizer's state (Adam moments ...) and training config of a compiled model,
   * to resume training after {@link loadModel}. Default false. Needs losses tfjs can name
   * (strings such as `'meanSquaredError'`); a model compiled with loss functions is refused.
   */
  includeOptimizer?: boolean;
  /**
   * Record the weight bytes' SHA-256 in `model.json` (key `unetKitIntegrity`), which
   * {@link loadModel} checks, so a bit flipped on disk is an error instead of a silently wrong
   * model. Default true (hashing costs about 0.1 s per 100 MB).
   */
  integrity?: boolean;
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

/** A model's `model.json` contents and its weight bytes, ready to write. */
interface ModelFiles {
  readonly modelJson: tf.io.ModelJSON & { [INTEGRITY_KEY]?: { weightBytes: number; sha256: string } };
  readonly weights: Uint8Array;
}

function disposeCopies(weights: { name: string; tensor: tf.Tensor }[]): void {
  // Optimizers hand out their variables plus fresh tensors (Adam's `iter` scalar): free only those.
  for (const { tensor } of weights) if (!(tensor instanceof tf.Variable)) tensor.dispose();
}

/** The optimizer's state (Adam moments, the iteration count ...) encoded as tfjs does, in the weight group `'optimizer'`. */
async function optimizerWeightData(model: tfl.LayersModel): Promise<{ data: ArrayBuffer; specs: tf.io.WeightsManifestEntry[] }> {
  const weights = await model.optimizer.getWeights();
  try {
    const { data, specs } = await tf.io.encodeWeights(weights, 'optimizer');
    return { data: data as ArrayBuffer, specs };
  } finally {
    disposeCopies(weights);
  }
}

/** The compiled model's training config (losses by name, metrics, optimizer), as tfjs saves it for `includeOptimizer`. */
function trainingConfigOf(model: tfl.LayersModel): tf.io.TrainingConfig {
  try {
    return (model as unknown as { getTrainingConfig(): tf.io.TrainingConfig }).getTrainingConfig();
  } catch (error) {
    throw new UnetKitError(
      'saveModel',
      'options.includeOptimizer',
      `is true, but the model's training config cannot be saved (${(error as Error).message}): tfjs stores losses by name, ` +
        'and this model was compiled with loss functions (deepSupervisionLoss, diceLoss ...). Save without includeOptimizer, or compile with named losses.',
    );
  }
}

/** What {@link modelFiles} puts beside the model's weights. */
interface ModelFilesOptions {
  /** `'none'`, the optimizer's state with its training config (`includeOptimizer`), or its state alone. */
  readonly optimizer: 'none' | 'withConfig' | 'stateOnly';
  readonly integrity: boolean;
  readonly quantize?: WeightQuantization | undefined;
  /** Extra top-level keys of `model.json` (tfjs ignores unknown keys). */
  readonly extraJson?: Readonly<Record<string, unknown>>;
}

/** Serializes `model` (and its optimizer) to the two files of a model directory, without touching disk. */
async function modelFiles(model: tfl.LayersModel, options: ModelFilesOptions): Promise<ModelFiles> {
  const { optimizer: withOptimizer, integrity, quantize, extraJson } = options;
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
    { includeOptimizer: false },
  );
  const saved = artifacts!;
  const floatData = saved.weightData === undefined ? new ArrayBuffer(0) : tf.io.concatenateArrayBuffers(saved.weightData as ArrayBuffer | ArrayBuffer[]);
  // Only the model's weights are quantized; optimizer state (appended below) stays exact.
  const stored = quantize === undefined ? { weightData: floatData, weightSpecs: saved.weightSpecs ?? [] } : quantizeWeights(floatData, saved.weightSpecs ?? [], quantize);
  const buffers = [stored.weightData];
  const specs = [...stored.weightSpecs];
  let trainingConfig: tf.io.TrainingConfig | undefined;
  if (withOptimizer !== 'none' && model.optimizer != null) {
    if (withOptimizer === 'withConfig') trainingConfig = trainingConfigOf(model);
    const optimizer = await optimizerWeightData(model);
    buffers.push(optimizer.data);
    specs.push(...optimizer.specs);
  }
  const weights = new Uint8Array(tf.io.concatenateArrayBuffers(buffers));
  const modelJson: ModelFiles['modelJson'] = {
    modelTopology: saved.modelTopology as object,
    format: saved.format,
    generatedBy: saved.generatedBy,
    convertedBy: saved.convertedBy,
    weightsManifest: [{ paths: [`./${MODEL_FILE_NAMES.weights}`], weights: specs }],
  };
  if (trainingConfig !== undefined) modelJson.trainingConfig = trainingConfig;
  if (saved.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = saved.userDefinedMetadata;
  if (saved.signature !== undefined) modelJson.signature = saved.signature;
  if (extraJson !== undefined) Object.assign(modelJson, extraJson);
  if (integrity) modelJson[INTEGRITY_KEY] = { weightBytes: weights.byteLength, sha256: await sha256Hex(weights) };
  return { modelJson, weights };
}

/**
 * Writes a model directory crash-safely: the two files go to a temporary sibling, are fsynced
 * and swapped in by rename ({@link writeDirAtomically}), so `dir` always holds a complete
 * checkpoint, the old one or the new one. The one place model bytes reach the disk.
 */
async function writeModelDir(functionName: string, dir: string, files: ModelFiles): Promise<void> {
  await writeDirAtomically(
    functionName,
    dir,
    [
      { name: MODEL_FILE_NAMES.weights, data: files.weights },
      { name: MODEL_FILE_NAMES.modelJson, data: JSON.stringify(files.modelJson) },
    ],
    Object.values(MODEL_FILE_NAMES),
  );
}

/**
 * Saves a `tf.LayersModel` to `dir` in the tfjs layers format: `model.json` (topology, weight
 * manifest) and `weights.bin` (all weights, little-endian float32), the files
 * `tf.loadLayersModel` and `tensorflowjs_converter` read. Works in plain Node, without
 * `@tensorflow/tfjs-node` (whose `file://` handler tfjs-core lacks): the artifacts come from
 * `tf.io.withSaveHandler` and are written with `node:fs`, loaded only when called.
 *
 * Crash-safe: the files are written to a temporary sibling directory, fsynced, and swapped in by
 * rename, so a process killed at any moment leaves `dir` holding the previous checkpoint or the
 * new one, never a torn one (a kill mid-swap leaves the previous one in `.<name>.previous`, which
 * {@link loadModel} reads). Because the whole directory is replaced, `dir` must hold nothing but
 * a saved model. `model.json` records the weights' SHA-256 (`integrity`, default true).
 *
 * Throws a {@link UnetKitError} in a browser (use `indexeddb://` or `downloads://` there), when
 * `dir` is a file, holds other files, or its parent cannot be created.
 *
 * @param model - The model to save.
 * @param dir - Directory to write `model.json` and `weights.bin` into (created or replaced).
 * @param options - `includeOptimizer` (default false), `integrity` (default true), `quantize`
 *   (default none: float32).
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
  assertKnownKeys('saveModel', options, ['includeOptimizer', 'integrity', 'quantize']);
  const { includeOptimizer = false, integrity = true, quantize } = options;
  if (quantize !== undefined) assertOneOf('saveModel', 'options.quantize', quantize, WEIGHT_QUANTIZATIONS);
  assertBoolean('saveModel', 'options.includeOptimizer', includeOptimizer);
  assertBoolean('saveModel', 'options.integrity', integrity);
  await nodeModules('saveModel');
  const files = await modelFiles(model, { optimizer: includeOptimizer ? 'withConfig' : 'none', integrity, quantize });
  await writeModelDir('saveModel', dir, files);
  const { modelTopology, weightsManifest } = files.modelJson;
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: 'JSON',
      modelTopologyBytes: JSON.stringify(modelTopology).length,
      weightSpecsBytes: JSON.stringify(weightsManifest[0]!.weights).length,
      weightDataBytes: files.weights.byteLength,
    },
  };
}

type ModelJsonOnDisk = tf.io.ModelJSON & { [INTEGRITY_KEY]?: unknown };

async function readModelJson(fs: Fs, path: Path, from: string, dir: string): Promise<ModelJsonOnDisk> {
  let text: string;
  try {
    text = await fs.readFile(path.join(from, MODEL_FILE_NAMES.modelJson), 'utf8');
  } catch (error) {
    throw new UnetKitError('loadModel', 'dir', `is '${dir}', which has no readable ${MODEL_FILE_NAMES.modelJson} (${(error as Error).message}); expected a directory written by saveModel.`);
  }
  let modelJson: ModelJsonOnDisk;
  try {
    modelJson = JSON.parse(text) as ModelJsonOnDisk;
  } catch (error) {
    throw new UnetKitError('loadModel', 'dir', `is '${dir}', whose ${MODEL_FILE_NAMES.modelJson} is not valid JSON (${(error as Error).message}).`);
  }
  if (modelJson === null || typeof modelJson !== 'object' || Array.isArray(modelJson) || modelJson.modelTopology == null || typeof modelJson.modelTopology !== 'object') {
    throw new UnetKitError('loadModel', 'dir', `is '${dir}', whose ${MODEL_FILE_NAMES.modelJson} has no modelTopology; expected a tfjs layers model.`);
  }
  return modelJson;
}

/**
 * Reads and verifies the artifacts of the model in `dir` (or in the previous copy a crash
 * mid-save left behind): `model.json` parses, its weight manifest is well formed, the weight
 * files exist and hold exactly the bytes the manifest describes, and their SHA-256 matches the
 * integrity record when there is one. Builds nothing, so a failure leaks nothing.
 */
async function readArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  return (await readModelDir(dir)).artifacts;
}

/** {@link readArtifacts}, with the parsed `model.json` (for keys tfjs does not read). */
async function readModelDir(dir: string): Promise<{ modelJson: Readonly<Record<string, unknown>>; artifacts: tf.io.ModelArtifacts }> {
  const { fs, path } = await nodeModules('loadModel');
  const from = await readableDir(dir);
  const modelJson = await readModelJson(fs, path, from, dir);
  const manifest = modelJson.weightsManifest ?? [];
  const expectedBytes = manifestByteTotal(dir, manifest);
  const buffers: Uint8Array[] = [];
  for (const group of manifest) {
    for (const file of group.paths) {
      try {
        buffers.push(await fs.readFile(path.join(from, file)));
      } catch (error) {
        throw new UnetKitError('loadModel', 'dir', `is '${dir}', which lacks the weight file '${file}' named in ${MODEL_FILE_NAMES.modelJson} (${(error as Error).message}).`);
      }
    }
  }
  const bytes = buffers.length === 1 ? buffers[0]! : new Uint8Array(tf.io.concatenateArrayBuffers(buffers.map(toArrayBuffer)));
  await verifyWeightBytes(dir, expectedBytes, bytes, modelJson[INTEGRITY_KEY]);
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (m) => [tf.io.getWeightSpecs(m), toArrayBuffer(bytes)]);
  return { modelJson: modelJson as unknown as Record<string, unknown>, artifacts };
}

/**
 * A `tf.io.IOHandler` that reads a tfjs layers model (`model.json` plus the weight files its
 * `weightsManifest` names, concatenated in manifest order) from `dir` with `node:fs`, verifying
 * the weight bytes against the manifest (and the SHA-256 {@link saveModel} records) first. Pass
 * it to `tfl.loadLayersModel` yourself for load options (`strict: false`), or use
 * {@link loadModel}, which also disposes everything when the weights do not fit the topology.
 * Reads files written by {@link saveModel}, by `tensorflowjs_converter` (sharded weights) and by
 * tfjs-node's `file://` handler.
 *
 * @example `const model = await tfl.loadLayersModel(modelDirHandler('./checkpoints/unet'));`
 */
export function modelDirHandler(dir: string): tf.io.IOHandler {
  assertDir('modelDirHandler', dir);
  return { load: () => readArtifacts(dir) };
}

/** Builds the model of verified `artifacts`, disposing it (and the decoded weights) if any step fails. */
async function buildModel(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tfl.LayersModel> {
  const broken = (what: string, error: unknown): UnetKitError =>
    new UnetKitError('loadModel', 'dir', `is '${dir}', whose ${what} (${(error as Error).message}).`);
  let model: tfl.LayersModel;
  try {
    // Topology (and training config) first, weights after: tfjs' one-step loader leaks the built
    // model when the weights do not fit it.
    const { weightData: _data, weightSpecs: _specs, trainingConfig: _config, ...topology } = artifacts;
    model = claimLayers(await tfl.loadLayersModel({ load: async () => topology }));
  } catch (error) {
    throw broken('model.json topology cannot be built', error);
  }
  try {
    if (artifacts.trainingConfig != null) (model as unknown as { loadTrainingConfig(c: tf.io.TrainingConfig): void }).loadTrainingConfig(artifacts.trainingConfig);
  } catch (error) {
    model.dispose();
    throw broken('trainingConfig cannot be compiled', error);
  }
  if (artifacts.weightData === undefined || artifacts.weightSpecs === undefined) return model;
  let decoded: tf.NamedTensorMap = {};
  try {
    decoded = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
    const modelWeights: tf.NamedTensorMap = {};
    const optimizerWeights: { name: string; tensor: tf.Tensor }[] = [];
    for (const spec of artifacts.weightSpecs) {
      if (spec.group === 'optimizer') optimizerWeights.push({ name: spec.name, tensor: decoded[spec.name]! });
      else modelWeights[spec.name] = decoded[spec.name]!;
    }
    model.loadWeights(modelWeights, true);
    if (model.optimizer != null && optimizerWeights.length > 0) await model.optimizer.setWeights(optimizerWeights);
    return model;
  } catch (error) {
    model.dispose();
    throw broken('weights do not fit the topology', error);
  } finally {
    tf.dispose(Object.values(decoded));
  }
}

/**
 * Loads a model saved by {@link saveModel} (or any tfjs layers model directory) in plain Node.
 * unet-kit's custom layers are registered by this module, and the optimizer state comes back
 * when it was saved with `includeOptimizer`. Layers applied several times (r2UNet) are claimed
 * ({@link claimLayers}), so `model.dispose()` frees every weight.
 *
 * Before building anything it checks that the weight files hold exactly the bytes the manifest
 * describes and, for files saved with `integrity`, that their SHA-256 matches; any failure
 * (damaged files, weights that do not fit the topology) throws a {@link UnetKitError} and leaves
 * no tensor behind. When `dir` is missing but a save was killed while swapping it, the previous
 * checkpoint (`.<name>.previous`) is loaded.
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
  return buildModel(dir, await readArtifacts(dir));
}

/**
 * Internal (unet-kit/train's training state): writes `model` crash-safely like {@link saveModel}
 * (float32, SHA-256), with the optimizer's state in the weight group `'optimizer'` but without a
 * training config (so models compiled with loss functions can be saved; the caller compiles
 * again before restoring), and `extraJson`'s keys at the top level of `model.json`. The
 * directory stays loadable by {@link loadModel} and stock `tf.loadLayersModel`.
 *
 * @param functionName - The public function errors name.
 * @example `await saveModelWithState('saveTrainingState', model, './ckpt', { unetKitTrainingState: { epoch: 3 } });`
 */
export async function saveModelWithState(functionName: string, model: tfl.LayersModel, dir: string, extraJson: Readonly<Record<string, unknown>>): Promise<void> {
  await nodeModules(functionName);
  const files = await modelFiles(model, { optimizer: 'stateOnly', integrity: true, extraJson });
  await writeModelDir(functionName, dir, files);
}

/**
 * Internal (unet-kit/train's training state): the verified artifacts of the model directory
 * `dir` (byte total and SHA-256 checked, as {@link loadModel} does) and its parsed `model.json`,
 * building nothing. Errors name `loadModel`.
 *
 * @example `const { modelJson, artifacts } = await readModelDirectory('./ckpt');`
 */
export async function readModelDirectory(dir: string): Promise<{ modelJson: Readonly<Record<string, unknown>>; artifacts: tf.io.ModelArtifacts }> {
  assertDir('loadModel', dir);
  return readModelDir(dir);
}
