import * as tfl from '@tensorflow/tfjs-layers';
import { apply, applyOptional, type Sym } from '../blocks/functional.js';
import { createActivation, createNorm } from '../layers/normAct.js';
import { resolveActivation, type ResolvedNorm } from '../layers/normActOptions.js';
import { spatialLayers, type Layer } from '../layers/spatial.js';
import { weightStandardizedConv } from '../layers/weightStandardizedConv.js';

// TransUNet's hybrid CNN encoder (Beckschen/TransUNet `vit_seg_modeling_resnet_skip.py`
// `ResNetV2`, the R50 of BiT without its fourth stage): a 7x7 stride-2 stem, a 3x3 stride-2 max
// pool and three stages of bottleneck units (the second and third halve the size), so the last
// stage is at 1/16 with 16 x width channels.

/** How {@link resNetV2Encoder} is built. Internal. */
export interface ResNetV2Settings {
  /** Units per stage (3 stages). */
  depths: readonly number[];
  /** Stem channels (`64 * width_factor`); stage s has bottleneck width `width 2^s` and `4 width 2^s` outputs. */
  width: number;
  /** Normalization after every conv; the projection shortcut's group norm has one group per channel (the reference's `GroupNorm(cout, cout)`). */
  norm: ResolvedNorm;
  /** Standardize every conv's weights (the reference's `StdConv2d`) instead of plain convs. */
  weightStandardization: boolean;
  nextSeed: () => number | undefined;
}

/** The stem output (1/2), the stage outputs (1/4, 1/8, 1/16). */
export interface ResNetV2Features {
  stem: Sym;
  stages: Sym[];
}

/**
 * Builds the encoder on a 2D input; layers `resnet_root_{conv,norm,act}`, `resnet_pool`,
 * `resnet_block{b}_unit{u}_{conv1,conv2,conv3}_*`, `..._proj_conv`, `..._proj_norm`, `..._add`,
 * `..._out`. Internal helper of {@link transUNet}.
 *
 * @example `const { stem, stages } = resNetV2Encoder(tfl.input({ shape: [224, 224, 3] }), { depths: [3, 4, 9], width: 64, norm: { type: 'group', groups: 32, epsilon: 1e-5, affine: true, momentum: 0.99 }, weightStandardization: true, nextSeed: () => undefined })`
 */
export function resNetV2Encoder(input: Sym, s: ResNetV2Settings): ResNetV2Features {
  const L = spatialLayers(2);
  const stem = convUnit(L, input, s, s.width, 7, 2, true, 'resnet_root');
  let x = apply(L.maxPool({ poolSize: 3, strides: 2, padding: 'same', name: 'resnet_pool' }), stem);
  const stages: Sym[] = [];
  s.depths.forEach((depth, b) => {
    const mid = s.width * 2 ** b;
    for (let u = 1; u <= depth; u++) {
      const strides = u === 1 && b > 0 ? 2 : 1;
      x = bottleneck(L, x, mid, 4 * mid, strides, s, `resnet_block${b + 1}_unit${u}`);
    }
    stages.push(x);
  });
  return { stem, stages };
}

/** A bias-free conv (weight-standardized or plain), `${name}_conv`. */
function conv(L: ReturnType<typeof spatialLayers>, s: ResNetV2Settings, filters: number, kernelSize: number, strides: number, name: string): Layer {
  const args = { filters, kernelSize, strides, padding: 'same' as const, useBias: false, seed: s.nextSeed(), name };
  return s.weightStandardization ? weightStandardizedConv(args) : L.conv(args);
}

/** conv -> norm (-> ReLU): layers `${name}_conv`, `${name}_norm`, `${name}_act`. */
function convUnit(L: ReturnType<typeof spatialLayers>, x: Sym, s: ResNetV2Settings, filters: number, kernelSize: number, strides: number, relu: boolean, name: string): Sym {
  const y = applyOptional(createNorm(s.norm, filters, `${name}_norm`), apply(conv(L, s, filters, kernelSize, strides, `${name}_conv`), x));
  return relu ? applyOptional(createActivation(resolveActivation('relu', 'transUNet'), 2, `${name}_act`), y) : y;
}

/**
 * The reference's `PreActBottleneck` (post-activation despite its name): 1x1 -> norm -> ReLU ->
 * 3x3 (stride) -> norm -> ReLU -> 1x1 -> norm, plus the input (through a 1x1 strided conv and
 * norm when the size or width changes), then ReLU.
 */
function bottleneck(L: ReturnType<typeof spatialLayers>, x: Sym, mid: number, out: number, strides: number, s: ResNetV2Settings, name: string): Sym {
  let y = convUnit(L, x, s, mid, 1, 1, true, `${name}_conv1`);
  y = convUnit(L, y, s, mid, 3, strides, true, `${name}_conv2`);
  y = convUnit(L, y, s, out, 1, 1, false, `${name}_conv3`);
  let shortcut = x;
  if (strides !== 1 || x.shape[x.shape.length - 1] !== out) {
    shortcut = apply(conv(L, s, out, 1, strides, `${name}_proj_conv`), x);
    const projectionNorm: ResolvedNorm = s.norm.type === 'group' ? { ...s.norm, groups: out, epsilon: 1e-5 } : s.norm;
    shortcut = applyOptional(createNorm(projectionNorm, out, `${name}_proj_norm`), shortcut);
  }
  const sum = apply(tfl.layers.add({ name: `${name}_add` }), [shortcut, y]);
  return apply(tfl.layers.reLU({ name: `${name}_out` }), sum);
}

/**
 * Parameters of {@link resNetV2Encoder} on `channels` input channels, with `n` weights per
 * channel in each norm: stem `49 C w + n w`; unit (in `a`, bottleneck `m`, out `4m`)
 * `a m + 9 m^2 + 4 m^2 + n (2m + 4m)`, plus `4 a m + 4 n m` for the first unit's projection.
 *
 * @example `resNetV2ParameterCount(3, 64, [3, 4, 9], 2)` is 11,894,848 (TransUNet's R50).
 */
export function resNetV2ParameterCount(channels: number, width: number, depths: readonly number[], n: number): number {
  let total = 49 * channels * width + n * width;
  let a = width;
  depths.forEach((depth, b) => {
    const m = width * 2 ** b;
    for (let u = 1; u <= depth; u++) {
      total += a * m + 9 * m * m + 4 * m * m + 6 * n * m;
      if (u === 1) total += 4 * a * m + 4 * n * m;
      a = 4 * m;
    }
  });
  return total;
}
