import { createActivation, createNorm } from '../layers/normAct.js';
import type { ResolvedActivation, ResolvedNorm } from '../layers/normActOptions.js';
import type { SpatialLayerTable } from '../layers/spatial.js';
import { apply, applyOptional, type Sym } from './functional.js';

/** Layer names of one conv unit. */
export interface ConvUnitNames {
  conv: string;
  norm: string;
  act: string;
}

/** Settings of one conv unit (conv + norm + activation). */
export interface ConvUnitConfig {
  L: SpatialLayerTable;
  filters: number;
  kernelSize: number;
  strides?: number;
  dilationRate?: number;
  /** `'same'` (default) keeps the size; `'valid'` removes `kernelSize - 1` positions per axis. */
  padding?: 'same' | 'valid';
  norm: ResolvedNorm;
  activation: ResolvedActivation;
  useBias: boolean;
  seed: number | undefined;
  /** `norm -> act -> conv` (He et al. 2016, identity mappings) instead of `conv -> norm -> act`. */
  preActivation?: boolean;
  /** Leave the activation out (the last conv of a post-activation residual branch). */
  skipActivation?: boolean;
  /** Leave norm and activation out (the first unit of a pre-activation block on raw input). */
  skipNormAct?: boolean;
  names: ConvUnitNames;
}

/**
 * Creates the layers of one conv unit once and returns a function applying them, so a unit can
 * be applied several times with shared weights (the recurrent convs of R2U-Net).
 * `inChannels` sizes the norm of a pre-activation unit.
 */
export function makeConvUnit(config: ConvUnitConfig, inChannels: number): (x: Sym) => Sym {
  const { L, filters, norm, activation, names } = config;
  const conv = L.conv({
    filters,
    kernelSize: config.kernelSize,
    strides: config.strides ?? 1,
    dilationRate: config.dilationRate ?? 1,
    padding: config.padding ?? 'same',
    useBias: config.useBias,
    seed: config.seed,
    name: names.conv,
  });
  const withNormAct = config.skipNormAct !== true;
  const normLayer = withNormAct ? createNorm(norm, config.preActivation === true ? inChannels : filters, names.norm) : null;
  const actLayer = withNormAct && config.skipActivation !== true ? createActivation(activation, L.spatialDims, names.act) : null;
  if (config.preActivation === true) {
    return (x) => apply(conv, applyOptional(actLayer, applyOptional(normLayer, x)));
  }
  return (x) => applyOptional(actLayer, applyOptional(normLayer, apply(conv, x)));
}

