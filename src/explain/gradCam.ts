import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger, assertOneOf, assertOptions, assertRank, fail } from '../core/assert.js';
import { didYouMean } from '../core/didYouMean.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { isTensor } from '../ops/isTensor.js';
import { resizeSpatial } from '../ops/resample.js';
import { layerActivationsAndGradients } from './layerCapture.js';

/** The class-activation methods of {@link gradCam}. */
export type CamMethod = 'gradcam' | 'gradcam++';

/** Every {@link CamMethod}. */
export const CAM_METHODS: readonly CamMethod[] = ['gradcam', 'gradcam++'];

/** Options of {@link gradCam}. */
export interface GradCamOptions {
  /** Name of the layer whose output feature map is explained (`model.getLayer(name)`). Required. */
  layer: string;
  /** Output channel (class) explained. Default 0. */
  classIndex?: number;
  /**
   * Region whose class logits are summed into the target, at the model output's spatial size:
   * `[...S]`, `[N, ...S]` or `[N, ...S, 1]`, 1 inside (any weights work). Default: every voxel
   * (pytorch-grad-cam's `SemanticSegmentationTarget` with an all-ones mask).
   */
  mask?: tf.Tensor;
  /** `'gradcam'` (Selvaraju et al. 2017, default) or `'gradcam++'` (Chattopadhay et al. 2018). */
  method?: CamMethod;
  /** Scale each sample's map to [0, 1] (MONAI's default normalizer). Default true. */
  normalize?: boolean;
}

const EPSILON = 1e-7;

function resolveMask(mask: tf.Tensor, outputShape: readonly number[]): tf.Tensor {
  const n = outputShape[0]!;
  const spatial = outputShape.slice(1, -1);
  const same = (shape: readonly number[]) => shape.length === spatial.length && shape.every((d, i) => d === spatial[i]);
  const shape = mask.shape;
  let batched: readonly number[] | undefined;
  if (same(shape)) batched = [1, ...spatial, 1];
  else if (shape.length === spatial.length + 1 && same(shape.slice(1)) && (shape[0] === n || shape[0] === 1)) batched = [shape[0]!, ...spatial, 1];
  else if (shape.length === spatial.length + 2 && shape.at(-1) === 1 && same(shape.slice(1, -1)) && (shape[0] === n || shape[0] === 1)) batched = shape;
  if (batched === undefined) {
    throw new UnetKitError(
      'gradCam',
      'options.mask',
      `has shape ${formatValue(shape)}; expected the model output's spatial shape ${formatValue(spatial)}, as [...S], [N, ...S] or [N, ...S, 1] with N = ${n} or 1.`,
    );
  }
  return tf.tidy(() => tf.reshape(tf.cast(mask, 'float32'), [...batched!]));
}

/** The shape of output 0 for `x`: from the symbolic output when static, else from one forward pass. */
function outputShapeFor(model: tfl.LayersModel, x: tf.Tensor): number[] {
  const symbolic = model.outputs[0]!.shape;
  if (symbolic.slice(1).every((d) => d !== null)) return [x.shape[0]!, ...(symbolic.slice(1) as number[])];
  return tf.tidy(() => {
    const output = model.predict(x);
    return (Array.isArray(output) ? output[0]! : output).shape;
  });
}

function findLayer(model: tfl.LayersModel, name: string): tfl.layers.Layer {
  const layer = model.layers.find((l) => l.name === name);
  if (layer === undefined) {
    const names = model.layers.map((l) => l.name);
    fail('gradCam', 'options.layer', name, `the name of a layer of model '${model.name}'`, didYouMean(name, names));
  }
  return layer;
}

/**
 * Gradient-weighted class activation map of a segmentation model: where, at the feature map
 * of `options.layer`, the evidence for class `classIndex` lies. The target is the class logit
 * summed over all output voxels, or over `options.mask` (pytorch-grad-cam's
 * `SemanticSegmentationTarget`: `(output[..., c] * mask).sum()`; MONAI's `GradCAM` sums the
 * logits of `class_idx`). With activations `A_k` and gradients `g_k = d target / d A_k`:
 *
 * - Grad-CAM (Selvaraju et al., ICCV 2017): `w_k = mean(g_k)`, map `ReLU(sum_k w_k A_k)`.
 * - Grad-CAM++ (Chattopadhay et al., WACV 2018), as pytorch-grad-cam writes it for a linear
 *   target: `a_k = g_k^2 / (2 g_k^2 + sum(A_k) g_k^3 + 1e-7)` (0 where `g_k = 0`),
 *   `w_k = sum(a_k ReLU(g_k))`, map `ReLU(sum_k w_k A_k)`.
 *
 * The map is resized to the input's spatial size (linear, half-pixel centres, as MONAI's
 * `upsampler`), then each sample is scaled to [0, 1] (`normalize`; a constant map becomes 0).
 * 2D and 3D; runs the model in inference mode, one forward and one backward pass.
 *
 * @param model - A functional `tf.LayersModel`, output `[N, ...S, C]` (logits recommended:
 *   a sigmoid/softmax output saturates the gradients). A multi-output model explains output 0.
 * @param x - Input `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @param options - `layer` (required), `classIndex`, `mask`, `method`, `normalize`.
 * @returns `[N, ...inputSpatial, 1]` float32 map.
 * @example
 * ```ts
 * const cam = gradCam(model, image, { layer: 'dec0_act2', classIndex: 1 });
 * const camPP = gradCam(model, image, { layer: 'dec0_act2', method: 'gradcam++', mask: tumourMask });
 * ```
 */
export function gradCam(model: tfl.LayersModel, x: tf.Tensor, options: GradCamOptions): tf.Tensor {
  if (model === null || typeof model !== 'object' || !Array.isArray((model as { layers?: unknown }).layers) || typeof model.apply !== 'function') {
    fail('gradCam', 'model', model, 'a tf.LayersModel');
  }
  if (!isTensor(x)) fail('gradCam', 'x', x, 'a tensor [N, H, W, C] or [N, D, H, W, C]');
  assertRank('gradCam', 'x', x, [4, 5], '[N, H, W, C] or [N, D, H, W, C]');
  if (options === undefined || options === null) fail('gradCam', 'options', options, "an options object with the layer name, e.g. { layer: 'conv_3' }");
  assertOptions('gradCam', options, {
    layer: (f, a, v) => {
      if (typeof v !== 'string' || v === '') fail(f, a, v, 'a layer name (a non-empty string)');
    },
    classIndex: (f, a, v) => assertInteger(f, a, v, { min: 0 }),
    mask: (f, a, v) => {
      if (!isTensor(v)) fail(f, a, v, 'a tensor');
    },
    method: (f, a, v) => assertOneOf(f, a, v, CAM_METHODS),
    normalize: (f, a, v) => assertBoolean(f, a, v),
  });
  if (options.layer === undefined) fail('gradCam', 'options.layer', undefined, 'a layer name (a non-empty string)');
  const layer = findLayer(model, options.layer);
  const classIndex = options.classIndex ?? 0;
  const method = options.method ?? 'gradcam';
  const normalize = options.normalize ?? true;
  const rank = x.rank;
  const inputSpatial = x.shape.slice(1, -1);
  const spatialAxes = Array.from({ length: rank - 2 }, (_, i) => i + 1);

  // Checked before the backward pass: a throw inside tf.grad leaves tensors behind.
  const outputShape = outputShapeFor(model, x);
  if (outputShape.length !== rank) {
    throw new UnetKitError('gradCam', 'model', `gives an output of shape ${formatValue(outputShape)}; expected [N, ...S, C] of rank ${rank} like x.`);
  }
  const channels = outputShape[rank - 1]!;
  if (classIndex >= channels) fail('gradCam', 'options.classIndex', classIndex, `an integer in [0, ${channels - 1}] (the model has ${channels} output channels)`);
  const regionMask = options.mask === undefined ? undefined : resolveMask(options.mask, outputShape);
  const target = (output: tf.Tensor): tf.Scalar => {
    const begin = new Array<number>(rank).fill(0);
    begin[rank - 1] = classIndex;
    const logits = tf.slice(output, begin, [...output.shape.slice(0, -1), 1]);
    return tf.sum(regionMask === undefined ? logits : tf.mul(logits, regionMask)) as tf.Scalar;
  };

  let captured: { activations: tf.Tensor; gradients: tf.Tensor };
  try {
    captured = layerActivationsAndGradients('gradCam', model, layer, x, target);
  } finally {
    regionMask?.dispose();
  }
  const { activations, gradients } = captured;
  try {
    if (activations.rank !== rank) {
      throw new UnetKitError(
        'gradCam',
        'options.layer',
        `is '${layer.name}', whose output has shape ${formatValue(activations.shape)}; expected a feature map [N, ...S, C] of rank ${rank} like x.`,
      );
    }
    return tf.tidy(() => {
      const a = tf.cast(activations, 'float32');
      const g = tf.cast(gradients, 'float32');
      let weights: tf.Tensor;
      if (method === 'gradcam') {
        weights = tf.mean(g, spatialAxes, true);
      } else {
        const g2 = tf.square(g);
        const g3 = tf.mul(g2, g);
        const sumA = tf.sum(a, spatialAxes, true);
        const alpha = tf.where(tf.notEqual(g, 0), tf.div(g2, tf.add(tf.add(tf.mul(g2, 2), tf.mul(sumA, g3)), EPSILON)), tf.zerosLike(g));
        weights = tf.sum(tf.mul(alpha, tf.relu(g)), spatialAxes, true);
      }
      const cam = tf.relu(tf.sum(tf.mul(weights, a), -1, true));
      const camSpatial = cam.shape.slice(1, -1);
      const resized = camSpatial.every((d, i) => d === inputSpatial[i]) ? cam : resizeSpatial(cam, inputSpatial, 'linear');
      if (!normalize) return resized;
      const lo = tf.min(resized, spatialAxes, true);
      const range = tf.sub(tf.max(resized, spatialAxes, true), lo);
      return tf.where(tf.greater(range, 0), tf.div(tf.sub(resized, lo), tf.maximum(range, EPSILON)), tf.zerosLike(resized));
    });
  } finally {
    tf.dispose([activations, gradients]);
  }
}

/**
 * {@link gradCam} with `method: 'gradcam++'` (Chattopadhay et al., WACV 2018): pixel-wise
 * weighted gradients, which localize several instances of a class better than Grad-CAM's mean.
 *
 * @example `const cam = gradCamPlusPlus(model, image, { layer: 'bottleneck_act2' });`
 */
export function gradCamPlusPlus(model: tfl.LayersModel, x: tf.Tensor, options: Omit<GradCamOptions, 'method'>): tf.Tensor {
  if (options !== null && typeof options === 'object' && 'method' in options) {
    fail('gradCamPlusPlus', 'options.method', (options as GradCamOptions).method, 'no method (gradCamPlusPlus is always gradcam++; use gradCam for the others)');
  }
  return gradCam(model, x, { ...options, method: 'gradcam++' });
}
