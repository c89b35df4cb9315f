import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertOneOf, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { assertLayerName, seedSequence } from '../core/naming.js';
import { OUTPUT_ACTIVATIONS, type OutputActivation } from '../core/outputActivation.js';
import { apply } from '../blocks/functional.js';
import { resolveNorm, type NormSpec } from '../layers/normActOptions.js';
import type { SpatialDims, SpatialLayerTable } from '../layers/spatial.js';

// What the MONAI-style transformer U-Nets (unetr, swinUNETR) share: fixed input sizes that are a
// multiple of the encoder's stride, MONAI's instance norm without affine weights, and a decoder
// level of transposed conv x2 -> concat skip -> residual block.

/**
 * Checks a fixed `[H, W, C]` / `[D, H, W, C]` input shape whose spatial sizes are multiples of
 * `multiple` (`why` says what imposes it) and returns its spatial dims. Internal helper.
 *
 * @example `fixedInputDims('unetr', [96, 96, 1], undefined, 16, 'the patch size 16')` is 2.
 */
export function fixedInputDims(fn: string, inputShape: unknown, spatialDims: SpatialDims | undefined, multiple: number, why: string): SpatialDims {
  if (!Array.isArray(inputShape) || (inputShape.length !== 3 && inputShape.length !== 4)) {
    fail(fn, 'options.inputShape', inputShape, '[H, W, C] or [D, H, W, C] (channels last)');
  }
  const dims = spatialDims ?? ((inputShape.length - 1) as SpatialDims);
  if (dims !== inputShape.length - 1) fail(fn, 'options.spatialDims', dims, `${inputShape.length - 1} for inputShape ${formatValue(inputShape)}`);
  inputShape.forEach((size, axis) => assertInteger(fn, `options.inputShape[${axis}]`, size, { min: 1 }));
  inputShape.slice(0, -1).forEach((size: number, axis) => {
    if (size % multiple !== 0) {
      const lower = Math.floor(size / multiple) * multiple;
      throw new UnetKitError(fn, 'options.inputShape', `is ${formatValue(inputShape)}: spatial size ${size} (axis ${axis}) must be a multiple of ${why}; nearest valid: ${[lower, lower + multiple].filter((s) => s > 0).join(' or ')}, or pad with padToMultiple(x, ${multiple}) from 'unet-kit/data'.`);
    }
  });
  return dims;
}

/** The norm, head and naming options of a MONAI-style net, resolved. */
export interface ResolvedMonaiCommon {
  norm: NormSpec;
  /** Learned weights per channel of one norm layer (for the closed-form parameter counts). */
  normWeightsPerChannel: number;
  finalActivation: OutputActivation;
  name: string;
}

/**
 * Resolves `norm` (default MONAI's `{ type: 'instance', affine: false }`), `finalActivation`
 * (default softmax for several classes, sigmoid for one), `name` and `seed`. Internal helper.
 *
 * @example `resolveMonaiCommon('unetr', {}, 14, 'unetr').finalActivation` is `'softmax'`.
 */
export function resolveMonaiCommon(
  fn: string,
  options: { norm?: NormSpec; finalActivation?: OutputActivation; name?: string; seed?: number },
  numClasses: number,
  defaultName: string,
): ResolvedMonaiCommon {
  const norm = options.norm ?? { type: 'instance', affine: false };
  const resolved = resolveNorm(norm, fn);
  const normWeightsPerChannel = { none: 0, batch: 4, layer: 2, instance: resolved.affine ? 2 : 0, group: resolved.affine ? 2 : 0 }[resolved.type];
  const finalActivation = options.finalActivation ?? (numClasses > 1 ? 'softmax' : 'sigmoid');
  assertOneOf(fn, 'options.finalActivation', finalActivation, OUTPUT_ACTIVATIONS);
  const name = options.name ?? defaultName;
  assertLayerName(fn, 'options.name', name);
  if (options.seed !== undefined) seedSequence(fn, 'options.seed', options.seed);
  return { norm, normWeightsPerChannel, finalActivation, name };
}

/**
 * Parameters of MONAI's `UnetResBlock` from `a` to `b` channels (two `k`-tap bias-free convs,
 * two norms of `n` weights per channel, a 1x1 conv + norm shortcut when `a != b`):
 * `k a b + k b^2 + 2 n b + [a != b] (a b + n b)`.
 *
 * @example `resBlockParameterCount(27, 0, 1, 16)` is 7,360 (3D, instance norm without affine).
 */
export function resBlockParameterCount(k: number, n: number, a: number, b: number): number {
  return k * a * b + k * b * b + 2 * n * b + (a !== b ? a * b + n * b : 0);
}

/**
 * One decoder level: a x2 transposed conv to `filters` (`${name}_up`), concatenation with `skip`
 * (`${name}_concat`) and `block` (`${name}_block`), as MONAI's `UnetrUpBlock`. Internal helper.
 *
 * @example `const up = decoderLevel(spatialLayers(3), x, skip, 64, 'dec4', () => undefined, (t, f, n) => doubleConv(t, f, { spatialDims: 3, name: n }))`
 */
export function decoderLevel(
  L: SpatialLayerTable,
  x: tfl.SymbolicTensor,
  skip: tfl.SymbolicTensor,
  filters: number,
  name: string,
  nextSeed: () => number | undefined,
  block: (x: tfl.SymbolicTensor, filters: number, name: string) => tfl.SymbolicTensor,
): tfl.SymbolicTensor {
  const up = apply(L.convTranspose({ filters, kernelSize: 2, strides: 2, useBias: false, seed: nextSeed(), name: `${name}_up` }), x);
  return block(apply(tfl.layers.concatenate({ axis: -1, name: `${name}_concat` }), [up, skip]), filters, `${name}_block`);
}
