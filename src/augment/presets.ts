import { assertKnownKeys, assertOptionsObject, assertSpatialDims } from '../core/assert.js';
import { affine } from './affine.js';
import { brightness } from './brightness.js';
import { compose } from './compose.js';
import { contrast } from './contrast.js';
import { elasticDeform } from './elasticDeform.js';
import { flip } from './flip.js';
import { gamma } from './gamma.js';
import { gaussianBlur } from './gaussianBlur.js';
import { gaussianNoise } from './gaussianNoise.js';
import { simulateLowResolution } from './simulateLowResolution.js';
import type { Transform } from './types.js';

/** Options of the augmentation presets. */
export interface AugmentationPresetOptions {
  /** 2 for images (default), 3 for volumes: sets the rotation defaults. */
  spatialDims?: 2 | 3;
  /** Seed of the pipeline. */
  seed?: number;
}

/**
 * nnU-Net's default training augmentation (Isensee et al. 2021, nnU-Net v2
 * `get_training_transforms`), as one {@link compose} pipeline, each step per sample:
 * rotation (p 0.2; +-180 degrees in 2D, +-30 per axis in 3D) and zoom (p 0.2, 0.7..1.4) in one
 * resampling, gaussian noise (p 0.1, std 0..0.1), blur (p 0.2, sigma 0.5..1), multiplicative
 * brightness (p 0.15, 0.75..1.25), contrast (p 0.15, 0.75..1.25), low resolution (p 0.25,
 * zoom 0.5..1), inverted gamma (p 0.1) and gamma (p 0.3), both 0.7..1.5 with stats retained,
 * mirroring of every axis (p 0.5 each). Differences: upsampling for low resolution is linear
 * (nnU-Net: cubic); nnU-Net's per-channel sub-probabilities are not modelled.
 *
 * @example
 * ```ts
 * const augment = nnUNetAugmentation({ spatialDims: 3, seed: 0 });
 * const out = augment({ image, mask }); // out.image, out.mask: [N, D, H, W, C]
 * ```
 */
export function nnUNetAugmentation(options: AugmentationPresetOptions = {}): Transform {
  const fn = 'nnUNetAugmentation';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['spatialDims', 'seed']);
  const { spatialDims = 2, seed } = options;
  assertSpatialDims(fn, spatialDims);
  return compose(
    [
      [affine({ rotation: spatialDims === 2 ? 180 : 30, scale: [0.7, 1.4], rotationProbability: 0.2, scaleProbability: 0.2 }), 1],
      [gaussianNoise({ std: [0, 0.1] }), 0.1],
      [gaussianBlur({ sigma: [0.5, 1] }), 0.2],
      [brightness({ range: [0.75, 1.25] }), 0.15],
      [contrast({ range: [0.75, 1.25] }), 0.15],
      [simulateLowResolution({ zoom: [0.5, 1] }), 0.25],
      [gamma({ range: [0.7, 1.5], invert: true }), 0.1],
      [gamma({ range: [0.7, 1.5] }), 0.3],
      [flip({ probability: 0.5 }), 1],
    ],
    { seed },
  );
}

/**
 * The common U-Net recipe as one {@link compose} pipeline: affine (p 0.5; rotation +-15 degrees,
 * zoom 0.9..1.1), elastic deformation (p 0.2; alpha 0..200, sigma 9..13), mirroring of every
 * axis (p 0.5 each), gaussian noise (p 0.5, std 0.01), gamma (p 0.3, 0.8..1.2).
 *
 * @example `const augment = defaultAugmentation({ seed: 1 }); augment({ image, mask })`
 */
export function defaultAugmentation(options: AugmentationPresetOptions = {}): Transform {
  const fn = 'defaultAugmentation';
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['spatialDims', 'seed']);
  const { spatialDims = 2, seed } = options;
  assertSpatialDims(fn, spatialDims);
  return compose(
    [
      [affine({ rotation: 15, scale: [0.9, 1.1] }), 0.5],
      [elasticDeform({ alpha: [0, 200], sigma: [9, 13] }), 0.2],
      [flip({ probability: 0.5 }), 1],
      [gaussianNoise({ std: 0.01 }), 0.5],
      [gamma({ range: [0.8, 1.2] }), 0.3],
    ],
    { seed },
  );
}
