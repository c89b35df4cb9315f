import * as tfl from '@tensorflow/tfjs-layers';
import { assertBoolean } from '../core/assert.js';
import { apply, type Sym } from '../blocks/functional.js';
import { spatialLayers } from '../layers/spatial.js';
import type { ResolvedModelOptions } from './options.js';

/** The option {@link multiScaleImages} reads, shared by the factories that offer it. */
export interface MultiScaleInputOption {
  /**
   * Feed the image itself into every encoder level below the first (M-Net, Fu et al. 2018):
   * the input average-pooled to level i's resolution (`1/2^i`) is concatenated to the features
   * entering that level's block. Adds `C` input channels to each such block's first conv.
   * Default false.
   */
  multiScaleInput?: boolean;
}

/**
 * The image pyramid of a multi-scale input: entry `i` is `input` at `1/2^i` of its size, made by
 * repeated 2x average pooling (`scale{i}_pool`, each from the level above, so level `i` is the
 * mean of `2^i x 2^i` blocks: a box-filter pyramid, the pooled input of M-Net). Entry 0 is
 * `undefined` (the first level already sees the image), and so is every entry when `enabled` is
 * false. The bottleneck (`i = depth`) gets its level too, unless `levels` (default `depth`) stops
 * the pyramid earlier.
 *
 * Average pooling rather than a Gaussian pyramid: M-Net uses it, tfjs has it on every backend
 * with a gradient (unet-kit's kernels for 3D), and it adds no weights.
 *
 * @example
 * ```ts
 * const images = multiScaleImages(r, input, true); // [undefined, [N,H/2,W/2,C], [N,H/4,W/4,C], ...]
 * ```
 */
export function multiScaleImages(r: ResolvedModelOptions, input: Sym, enabled: boolean, levels = r.depth): (Sym | undefined)[] {
  const images: (Sym | undefined)[] = [undefined];
  let x = input;
  for (let i = 1; i <= levels; i++) {
    if (enabled) x = apply(spatialLayers(r.spatialDims).avgPool({ poolSize: 2, name: `scale${i}_pool` }), x);
    images.push(enabled ? x : undefined);
  }
  return images;
}

/** Concatenates level `i`'s pyramid image to `x` (`${name}_scale_concat`), when there is one. */
export function withScaleImage(x: Sym, image: Sym | undefined, name: string): Sym {
  return image === undefined ? x : apply(tfl.layers.concatenate({ axis: -1, name: `${name}_scale_concat` }), [x, image]);
}

/** Reads and checks `options.multiScaleInput` of factory `fn` (default false). */
export function resolveMultiScale(fn: string, options: MultiScaleInputOption): boolean {
  const { multiScaleInput = false } = options;
  assertBoolean(fn, 'options.multiScaleInput', multiScaleInput);
  return multiScaleInput;
}
