import * as tfl from '@tensorflow/tfjs-layers';
import { layerNormalization } from '../layers/layerNormalization.js';
import { assertInteger, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { windowAttention } from '../layers/windowAttention.js';
import { resolveCommon } from './blockOptions.js';
import { assertDropout } from './checks.js';
import { apply, type Sym } from './functional.js';

/** Options of {@link swinBlock}. */
export interface SwinBlockOptions {
  /** Attention heads; must divide the channels. Required. */
  numHeads: number;
  /** Window side. Default 7. */
  windowSize?: number;
  /** Cyclic shift: 0 (W-MSA) or typically `floor(windowSize / 2)` (SW-MSA). Default 0. */
  shiftSize?: number;
  /** MLP width as a multiple of the channels. Default 4. */
  mlpRatio?: number;
  /** Dropout after the attention projection and in the MLP (MONAI `drop_rate`). Default 0. */
  dropout?: number;
  /** Dropout on the attention weights (MONAI `attn_drop_rate`). Default 0. */
  attentionDropout?: number;
  /** Seed of the initializers. */
  seed?: number;
  /** Prefix of the layer names. Default `swin_${n}`. */
  name?: string;
  /** 2 or 3; must match `x`. Default: from `x`'s rank. */
  spatialDims?: 2 | 3;
}

/**
 * A Swin transformer block (Liu et al. 2021; MONAI `SwinTransformerBlock`) on a channels-last
 * grid `[N, H, W, C]` / `[N, D, H, W, C]`: `x = x + windowAttention(norm1(x))`,
 * `x = x + mlp(norm2(x))`, MLP `dense(mlpRatio C, GELU) -> dense(C)`. Stochastic depth (drop
 * path) is not implemented (MONAI's default rate is 0). Parameters:
 * `(4 + 2 mlpRatio) C^2 + (9 + mlpRatio) C + prod(2w - 1) heads` (4C of them in the two norms).
 *
 * Layers: `${name}_norm1`, `${name}_attn`, `${name}_add1`, `${name}_norm2`, `${name}_mlp1`,
 * `${name}_mlp_drop1`, `${name}_mlp2`, `${name}_mlp_drop2`, `${name}_add2`.
 *
 * @example
 * ```ts
 * const y = swinBlock(x, { numHeads: 3, windowSize: 7, shiftSize: 3, name: 'stage1_block2' }); // x [N, 48, 48, 48, 48]
 * ```
 */
export function swinBlock(x: Sym, options: SwinBlockOptions): Sym {
  const fn = 'swinBlock';
  if (!(x instanceof tfl.SymbolicTensor) || (x.shape.length !== 4 && x.shape.length !== 5)) {
    fail(fn, 'x', x, 'a tf.SymbolicTensor [N, H, W, C] or [N, D, H, W, C]');
  }
  const o = resolveCommon(fn, { spatialDims: x.shape.length - 2, ...options }, 'swin', ['numHeads', 'windowSize', 'shiftSize', 'mlpRatio', 'dropout', 'attentionDropout']);
  if (o.spatialDims !== x.shape.length - 2) fail(fn, 'options.spatialDims', o.spatialDims, `${x.shape.length - 2} for x ${formatValue(x.shape)}`);
  const channels = x.shape[x.shape.length - 1];
  if (typeof channels !== 'number') fail(fn, 'x', x, 'a feature map with a known channel count');
  const { numHeads, windowSize = 7, shiftSize = 0, mlpRatio = 4, dropout = 0, attentionDropout = 0 } = options;
  assertInteger(fn, 'options.numHeads', numHeads, { min: 1 });
  assertInteger(fn, 'options.mlpRatio', mlpRatio, { min: 1 });
  assertDropout(fn, dropout);
  assertDropout(fn, attentionDropout, 'options.attentionDropout');
  if (channels % numHeads !== 0) {
    throw new UnetKitError(fn, 'options.numHeads', `is ${numHeads}; it must divide the channels ${channels} of x ${formatValue(x.shape)} (each head gets C / heads channels).`);
  }
  const n = o.name;
  const norm1 = apply(layerNormalization({ epsilon: 1e-5, name: `${n}_norm1` }), x);
  const attention = windowAttention({ numHeads, windowSize, shiftSize, attentionDropout, projectionDropout: dropout, seed: o.nextSeed(), name: `${n}_attn` });
  const x1 = apply(tfl.layers.add({ name: `${n}_add1` }), [x, apply(attention, norm1)]);
  const norm2 = apply(layerNormalization({ epsilon: 1e-5, name: `${n}_norm2` }), x1);
  const init = () => tfl.initializers.truncatedNormal({ stddev: 0.02, seed: o.nextSeed() });
  let h = apply(tfl.layers.dense({ units: mlpRatio * channels, activation: 'gelu', kernelInitializer: init(), name: `${n}_mlp1` }), norm2);
  h = apply(tfl.layers.dropout({ rate: dropout, name: `${n}_mlp_drop1` }), h);
  h = apply(tfl.layers.dense({ units: channels, kernelInitializer: init(), name: `${n}_mlp2` }), h);
  h = apply(tfl.layers.dropout({ rate: dropout, name: `${n}_mlp_drop2` }), h);
  return apply(tfl.layers.add({ name: `${n}_add2` }), [x1, h]);
}

/** Parameters of one {@link swinBlock}: `channels`, `heads`, window side `window`, `spatialDims`. */
export function swinBlockParameterCount(channels: number, heads: number, window: number, spatialDims: 2 | 3, mlpRatio = 4): number {
  const c = channels;
  return (4 + 2 * mlpRatio) * c * c + (9 + mlpRatio) * c + (2 * window - 1) ** spatialDims * heads;
}
