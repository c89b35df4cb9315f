import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean, assertInteger } from '../core/assert.js';
import { createActivation, createNorm } from '../layers/normAct.js';
import { resolveConvBlock, unitSettings, type ConvBlockOptions } from './blockOptions.js';
import { makeConvUnit } from './convUnit.js';
import { apply, applyOptional, maybeDropout, type Sym } from './functional.js';

/** Options of {@link residualBlock}. */
export interface ResidualBlockOptions extends ConvBlockOptions {
  /** Stride of the first conv (and of the shortcut projection). Default 1. */
  strides?: number;
  /** Convs in the residual branch. Default 2 (the basic block of He et al. 2016). */
  convs?: number;
  /**
   * Pre-activation ordering `norm -> act -> conv` (He et al. 2016, "Identity Mappings"; the
   * units of ResUNet, Zhang et al. 2018) instead of post-activation `conv -> norm -> act` with
   * the last activation after the addition (He et al. 2016, "Deep Residual Learning"). Default false.
   */
  preActivation?: boolean;
  /**
   * Pre-activation only: normalize and activate the block input before the first conv. Set
   * false for the first block on raw images (ResUNet's first unit starts with a plain conv). Default true.
   */
  inputNormAct?: boolean;
}

const KEYS = ['strides', 'convs', 'kernelSize', 'preActivation', 'inputNormAct', 'dropout'];

/**
 * A residual block: `convs` conv units plus a shortcut, added. The shortcut is the identity when
 * channels and stride match, else a 1x1 conv with the stride followed by the norm (a projection
 * shortcut, option B of He et al. 2016).
 *
 * - post-activation: `x -> [conv -> norm -> act] x (convs-1) -> conv -> norm`, `+ shortcut`, `-> act`.
 * - pre-activation: `x -> [norm -> act -> conv] x convs`, `+ shortcut` (no activation after the sum).
 *
 * Layers: `${name}_conv1`, `${name}_norm1`, `${name}_act1`, ..., `${name}_proj`,
 * `${name}_proj_norm`, `${name}_add`, `${name}_out` (post-activation), `${name}_drop`.
 *
 * @param x - `[N, H, W, C]` or `[N, D, H, W, C]`.
 * @param filters - output channels.
 * @returns `[N, H/s, W/s, filters]` (or the 3D analogue).
 * @example
 * ```ts
 * const y = residualBlock(x, 64, { strides: 2, preActivation: true, name: 'enc1' });
 * ```
 */
export function residualBlock(x: Sym, filters: number, options: ResidualBlockOptions = {}): Sym {
  const fn = 'residualBlock';
  const o = resolveConvBlock(fn, x, ['filters', filters], options, 'residual_block', KEYS);
  const { inChannels } = o;
  const { strides = 1, convs = 2, preActivation = false, inputNormAct = true } = options;
  assertInteger(fn, 'options.strides', strides, { min: 1 });
  assertInteger(fn, 'options.convs', convs, { min: 1 });
  assertBoolean(fn, 'options.preActivation', preActivation);
  assertBoolean(fn, 'options.inputNormAct', inputNormAct);

  let branch = x;
  let channels = inChannels;
  for (let i = 1; i <= convs; i++) {
    branch = makeConvUnit(
      {
        ...unitSettings(o, o.name, i),
        filters,
        kernelSize: o.kernelSize,
        strides: i === 1 ? strides : 1,
        preActivation,
        skipActivation: !preActivation && i === convs,
        skipNormAct: preActivation && i === 1 && !inputNormAct,
      },
      channels,
    )(branch);
    channels = filters;
  }

  let shortcut = x;
  if (inChannels !== filters || strides !== 1) {
    const proj = o.L.conv({ filters, kernelSize: 1, strides, useBias: o.useBias, seed: o.nextSeed(), name: `${o.name}_proj` });
    shortcut = applyOptional(createNorm(o.norm, filters, `${o.name}_proj_norm`), apply(proj, x));
  }
  let y = apply(tfl.layers.add({ name: `${o.name}_add` }), [shortcut, branch]);
  if (!preActivation) y = applyOptional(createActivation(o.activation, o.spatialDims, `${o.name}_out`), y);
  return maybeDropout(o.L, y, o.dropout, `${o.name}_drop`, o.nextSeed());
}
