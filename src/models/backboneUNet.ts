import * as tfl from '@tensorflow/tfjs-layers';
import { assertKnownKeys, assertNumberArray, assertOneOf, assertOptionsObject, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { doubleConv } from '../blocks/doubleConv.js';
import { apply, type Sym } from '../blocks/functional.js';
import { upsample } from '../blocks/upsample.js';
import { imageNetPreprocessing, PREPROCESSING_MODES, type PreprocessingMode } from '../layers/imageNetPreprocessing.js';
import { blockOptions, finish } from './build.js';
import { ancestorsOf, encoderLayer, readEncoderGraph, reapplyEncoder } from './encoderGraph.js';
import { guardedBuild } from './guardedBuild.js';
import { resolveModelOptions, type UNetOptions } from './options.js';

/**
 * Skip layers and input normalisation of `keras.applications` backbones (layer names as in
 * keras/src/applications/mobilenet_v2.py, resnet.py and efficientnet.py): the last layer at 1/2,
 * 1/4, 1/8, 1/16 and 1/32 of the input size before each down-sampling. MobileNetV2's list is the
 * one of TensorFlow's image segmentation tutorial (its bottleneck `block_16_project` is the conv
 * before its batch norm), EfficientNetB0's that of segmentation_models (Keras) with the model's
 * output `top_activation` as the bottleneck; ResNet50's are the stem's activation and each
 * stage's last block output. `preprocessing` is the backbone's `preprocess_input` mode;
 * EfficientNet normalises inside the model (Rescaling + Normalization), so it needs none.
 */
export const BACKBONES = {
  mobilenetV2: {
    skips: ['block_1_expand_relu', 'block_3_expand_relu', 'block_6_expand_relu', 'block_13_expand_relu', 'block_16_project'],
    preprocessing: 'tf',
  },
  resnet50: {
    skips: ['conv1_relu', 'conv2_block3_out', 'conv3_block4_out', 'conv4_block6_out', 'conv5_block3_out'],
    preprocessing: 'caffe',
  },
  efficientnetB0: {
    skips: ['block2a_expand_activation', 'block3a_expand_activation', 'block4a_expand_activation', 'block6a_expand_activation', 'top_activation'],
    preprocessing: 'none',
  },
} as const satisfies Record<string, { skips: readonly string[]; preprocessing: PreprocessingMode | 'none' }>;

/** A backbone with default skips, a key of {@link BACKBONES}. */
export type BackboneName = keyof typeof BACKBONES;

/** Options of {@link backboneUNet}. */
export interface BackboneUNetOptions extends Pick<UNetOptions, 'numClasses' | 'convsPerLevel' | 'norm' | 'activation' | 'dropout' | 'upsampling' | 'useBias' | 'finalActivation' | 'deepSupervision' | 'seed' | 'name'> {
  /** A `keras.applications` backbone: gives the default `skips` and `preprocessing`. */
  backbone?: BackboneName;
  /**
   * Names of the encoder layers whose outputs are the skips, finest first; the last is the
   * bottleneck. Each must be at most as large as the one before, by a whole factor on every
   * spatial axis. Default: the backbone's.
   */
  skips?: readonly string[];
  /**
   * Channels of each decoder level, top (full resolution) to bottom, one per decoder level:
   * `skips.length - 1`, plus one when the finest skip is smaller than the input (a last level
   * up-samples to the input size without a skip). Default `[16, 32, 64, 128, 256]`
   * (segmentation_models.pytorch's Unet `decoder_channels`, top to bottom), cut to the level count.
   */
  decoderFilters?: readonly number[];
  /**
   * Input normalisation inside the model, as `keras.applications` `preprocess_input`: the model
   * then takes RGB in [0, 255]. `'none'`: the input goes to the encoder as it is. Default: the
   * backbone's, else `'none'`.
   */
  preprocessing?: PreprocessingMode | 'none';
  /**
   * Freeze the encoder (`trainable = false`) up to and including skip `freezeBlocks - 1`: 1
   * freezes the stem to the first skip, `skips.length` or `'all'` the whole encoder. Default 0
   * (nothing). The layers are the encoder's own, so the encoder model is frozen too. As with
   * `freezeEncoder` (unet-kit/train), batch norms in frozen blocks keep updating their moving
   * statistics during `fit` in tfjs.
   */
  freezeBlocks?: number | 'all';
}

const KEYS = ['numClasses', 'convsPerLevel', 'norm', 'activation', 'dropout', 'upsampling', 'useBias', 'finalActivation', 'deepSupervision', 'seed', 'name', 'backbone', 'skips', 'decoderFilters', 'preprocessing', 'freezeBlocks'];
const DEFAULT_DECODER = [16, 32, 64, 128, 256];

interface Skip {
  name: string;
  /** Spatial size. */
  size: number[];
  channels: number;
}

function checkShapes(fn: string, encoderInput: (number | null)[], skips: Skip[]): number[] {
  const spatial = encoderInput.slice(1, -1);
  if (spatial.some((d) => d === null)) {
    fail(fn, 'encoder', encoderInput, 'a model with a known input size (build the encoder with a fixed inputShape, e.g. [224, 224, 3]): the decoder needs the up-sampling factors');
  }
  const sizes = [spatial as number[], ...skips.map((s) => s.size)];
  const factors: number[] = [];
  for (let i = 1; i < sizes.length; i++) {
    const [finer, coarser] = [sizes[i - 1]!, sizes[i]!];
    const ratio = finer.map((d, a) => d / coarser[a]!);
    const what = i === 1 ? 'the input' : `skip '${skips[i - 2]!.name}'`;
    if (coarser.length !== finer.length || ratio.some((r) => !Number.isInteger(r) || r !== ratio[0])) {
      throw new UnetKitError(
        fn,
        'options.skips',
        `has incompatible sizes: '${skips[i - 1]!.name}' is ${formatValue(coarser)} after ${what} ${formatValue(finer)}; each skip must be smaller than the one before by one whole factor on every axis (list them finest first, each at a coarser or the same resolution).`,
      );
    }
    factors.push(ratio[0]!);
  }
  return factors;
}

/**
 * A U-Net decoder on any encoder (Ronneberger et al. 2015's decoder on a pretrained encoder, as
 * in segmentation_models.pytorch's `Unet` and TernausNet, Iglovikov & Shvets 2018): the
 * encoder's named layers give the skips, the last the bottleneck; from it, each decoder level
 * up-samples to the next finer skip's size, concatenates it and runs `convsPerLevel` conv ->
 * norm -> act, and a last level up-samples to the input size when the finest skip is smaller
 * (MobileNetV2's, ResNet50's and EfficientNet's first skips are at 1/2). The encoder's layers
 * are reused, not copied: an encoder loaded from a converted Keras model with ImageNet weights
 * plugs in, its weights shared with the returned model (dispose both; either order frees
 * them once both are disposed). `preprocessing` adds the backbone's input normalisation as a
 * layer (`preprocess`), `freezeBlocks` freezes the encoder up to a skip (compile afterwards).
 *
 * Layers: the encoder's (by their names), `input`, `preprocess`, `dec{j}_up`, `dec{j}_concat`,
 * `dec{j}_conv1`, ..., `head_conv`, `head_act`; level `j = 0` is the full-resolution one.
 *
 * @param encoder - a functional `tf.LayersModel` with one input of known size `[N, ...spatial, C]`.
 * @returns a `tf.LayersModel` mapping the encoder's input to `[N, ...spatial, numClasses]`.
 * @example
 * ```ts
 * const encoder = await tfl.loadLayersModel('mobilenet_v2_notop/model.json'); // converted from Keras
 * const model = backboneUNet(encoder, { backbone: 'mobilenetV2', numClasses: 2, freezeBlocks: 2 });
 * ```
 */
export function backboneUNet(encoder: tfl.LayersModel, options: BackboneUNetOptions): tfl.LayersModel {
  const fn = 'backboneUNet';
  if (encoder === null || typeof encoder !== 'object' || typeof (encoder as { toJSON?: unknown }).toJSON !== 'function' || !Array.isArray(encoder.inputs)) {
    fail(fn, 'encoder', encoder, 'a tf.LayersModel (functional, one image input)');
  }
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, KEYS);
  const { backbone, freezeBlocks = 0 } = options;
  if (backbone !== undefined) assertOneOf(fn, 'options.backbone', backbone, Object.keys(BACKBONES) as BackboneName[]);
  const defaults = backbone === undefined ? undefined : BACKBONES[backbone];
  const skipNames = options.skips ?? defaults?.skips;
  if (skipNames === undefined) {
    throw new UnetKitError(fn, 'options.skips', `is missing; name the encoder layers to take skips from (finest first, the bottleneck last), or pick a backbone: ${Object.keys(BACKBONES).map(formatValue).join(', ')}.`);
  }
  if (!Array.isArray(skipNames) || skipNames.length < 2 || skipNames.some((s) => typeof s !== 'string')) {
    fail(fn, 'options.skips', skipNames, 'an array of at least 2 layer names (finest first, the bottleneck last)');
  }
  const preprocessing = options.preprocessing ?? defaults?.preprocessing ?? 'none';
  assertOneOf(fn, 'options.preprocessing', preprocessing, [...PREPROCESSING_MODES, 'none']);
  const graph = readEncoderGraph(fn, encoder);
  const skips: Skip[] = skipNames.map((name) => {
    const layer = encoderLayer(fn, 'options.skips', graph, name);
    const shape = layer.outputShape as (number | null)[];
    if (!Array.isArray(shape) || Array.isArray(shape[0]) || shape.length !== encoder.inputs[0]!.shape.length) {
      throw new UnetKitError(fn, 'options.skips', `names layer '${name}', whose output ${formatValue(shape)} is not a feature map of the input's rank ${encoder.inputs[0]!.shape.length}.`);
    }
    return { name, size: shape.slice(1, -1) as number[], channels: shape[shape.length - 1] as number };
  });
  const inputShape = encoder.inputs[0]!.shape;
  const factors = checkShapes(fn, inputShape, skips);
  const extraLevel = factors[0]! > 1;
  const levels = skips.length - 1 + (extraLevel ? 1 : 0);
  const decoderFilters = options.decoderFilters ?? DEFAULT_DECODER.slice(0, levels);
  assertNumberArray(fn, 'options.decoderFilters', decoderFilters, { min: 1, integer: true }, levels);
  if (levels < 2) {
    throw new UnetKitError(fn, 'options.skips', `gives ${levels} decoder level; expected at least 2 (at least two skips below the input resolution).`);
  }
  if (freezeBlocks !== 'all' && (typeof freezeBlocks !== 'number' || !Number.isInteger(freezeBlocks) || freezeBlocks < 0 || freezeBlocks > skips.length)) {
    fail(fn, 'options.freezeBlocks', freezeBlocks, `an integer from 0 to ${skips.length} (the skip count) or 'all'`);
  }
  const spatialDims = (inputShape.length - 2) as 2 | 3;
  const needed = new Set(skips.flatMap((s) => [...ancestorsOf(graph, s.name)]));
  const refCounts = new Map(encoder.layers.map((l) => [l, (l as unknown as { _refCount: number | null })._refCount]));
  try {
    return guardedBuild(() => {
      const r = resolveModelOptions(
        fn,
        {
          inputShape: inputShape.slice(1),
          numClasses: options.numClasses,
          spatialDims,
          filters: decoderFilters,
          ...pick(options, ['convsPerLevel', 'norm', 'activation', 'dropout', 'upsampling', 'useBias', 'finalActivation', 'deepSupervision', 'seed', 'name']),
        },
        [],
      );
      // resolveModelOptions checked divisibility by 2^(levels - 1); the real factors were checked above.
      const input = tfl.input({ shape: r.inputShape, name: 'input' });
      const x = preprocessing === 'none' ? input : apply(imageNetPreprocessing({ mode: preprocessing, name: 'preprocess' }), input);
      const { outputs } = reapplyEncoder(graph, x, needed);
      const skipTensors = skips.map((s) => outputs.get(s.name)!);
      // Decoder level j up-samples by factor[j] (to skip j-1's size, or to the input's when j = 0 and extraLevel).
      const offset = extraLevel ? 1 : 0;
      let y = skipTensors[skipTensors.length - 1]!;
      const features: Sym[] = [];
      for (let j = levels - 1; j >= 0; j--) {
        const skip = j - offset >= 0 ? skipTensors[j - offset] : undefined;
        const factor = factors[j + 1 - offset]!;
        const filters = r.filters[j]!;
        if (factor > 1) y = upsample(y, { spatialDims, mode: r.upsampling, factor, filters, useBias: r.useBias ?? true, seed: r.nextSeed(), name: `dec${j}` });
        if (skip !== undefined) y = apply(tfl.layers.concatenate({ axis: -1, name: `dec${j}_concat` }), [skip, y]);
        y = doubleConv(y, filters, { ...blockOptions(r, `dec${j}`), convs: r.convsPerLevel, dropout: r.dropout[j]! });
        features.unshift(y);
      }
      const model = finish(r, input, features, false);
      freeze(graph, skips, freezeBlocks, needed);
      return model;
    });
  } catch (error) {
    // The failed graph applied the encoder's layers: give back the references it took.
    for (const [layer, count] of refCounts) (layer as unknown as { _refCount: number | null })._refCount = count;
    throw rewordDuplicate(fn, error);
  }
}

/** tfjs' duplicate-name error, said plainly (a decoder layer named like an encoder layer). */
function rewordDuplicate(fn: string, error: unknown): unknown {
  const message = error instanceof Error ? error.message : '';
  const match = /The name "([^"]+)" is used \d+ times/.exec(message);
  if (match === null) return error;
  return new UnetKitError(fn, 'encoder', `has a layer named '${match[1]}', which the decoder (input, preprocess, dec{j}_*, head_*) also uses; rename it in the encoder.`);
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function freeze(graph: ReturnType<typeof readEncoderGraph>, skips: Skip[], blocks: number | 'all', needed: ReadonlySet<string>): void {
  const count = blocks === 'all' ? skips.length : blocks;
  if (count === 0) return;
  const frozen = blocks === 'all' ? needed : ancestorsOf(graph, skips[count - 1]!.name);
  for (const name of frozen) {
    if (graph.layers.find((l) => l.name === name)?.class_name === 'InputLayer') continue;
    const layer = graph.encoder.getLayer(name);
    if (layer.weights.length > 0) layer.trainable = false;
  }
}
