import * as tfl from '@tensorflow/tfjs-layers';
import { fail } from '../core/assert.js';
import { didYouMean } from '../core/didYouMean.js';
import { apply, type Sym } from '../blocks/functional.js';
import { gaussianDownsample } from '../layers/gaussianDownsample.js';
import { spatialLayers } from '../layers/spatial.js';
import type { ResolvedModelOptions } from './options.js';

/** The option {@link multiScaleImages} reads, shared by the factories that offer it. */
export interface MultiScaleInputOption {
  /**
   * Feed the image itself into every encoder level below the first (M-Net, Fu et al. 2018):
   * the input average-pooled to level i's resolution (`1/2^i`) is concatenated to the features
   * entering that level's block. Adds `C` input channels to each such block's first conv.
   * `'gaussian'`: Gaussian-pyramid levels instead ({@link GaussianDownsample}, Burt & Adelson
   * 1983); `true` is `'average'`. Default false.
   */
  multiScaleInput?: boolean | 'average' | 'gaussian';
}

/** How {@link multiScaleImages} makes each coarser copy of the input, or false for none. */
export type PyramidMode = false | 'average' | 'gaussian';

/**
 * The image pyramid of a multi-scale input: entry `i` is `input` at `1/2^i` of its size, made
 * from the level above by 2x average pooling (`scale{i}_pool`; level `i` is then the mean of
 * `2^i x 2^i` blocks, a box-filter pyramid, the pooled input of M-Net) or, with `'gaussian'`,
 * by a Gaussian-pyramid REDUCE step (`scale{i}_gauss`). Entry 0 is `undefined` (the first level
 * already sees the image), and so is every entry when `mode` is false. The bottleneck (`i = depth`) gets its level too, unless `levels` (default `depth`) stops
 * the pyramid earlier.
 *
 * Average pooling is the default: M-Net uses it and it is the cheapest; both add no weights.
 *
 * @example
 * ```ts
 * const r = resolveModelOptions('unet', { inputShape: [64, 64, 1], numClasses: 2 }, []);
 * const images = multiScaleImages(r, modelInput(r), 'average'); // [undefined, [N,H/2,W/2,C], [N,H/4,W/4,C], ...]
 * ```
 */
export function multiScaleImages(r: ResolvedModelOptions, input: Sym, mode: PyramidMode, levels = r.depth): (Sym | undefined)[] {
  const images: (Sym | undefined)[] = [undefined];
  let x = input;
  for (let i = 1; i <= levels; i++) {
    if (mode === 'average') x = apply(spatialLayers(r.spatialDims).avgPool({ poolSize: 2, name: `scale${i}_pool` }), x);
    if (mode === 'gaussian') x = apply(gaussianDownsample({ name: `scale${i}_gauss` }), x);
    images.push(mode === false ? undefined : x);
  }
  return images;
}

/** Concatenates level `i`'s pyramid image to `x` (`${name}_scale_concat`), when there is one. */
export function withScaleImage(x: Sym, image: Sym | undefined, name: string): Sym {
  return image === undefined ? x : apply(tfl.layers.concatenate({ axis: -1, name: `${name}_scale_concat` }), [x, image]);
}

/** Reads and checks `options.multiScaleInput` of factory `fn` (default false; `true` is `'average'`). */
export function resolveMultiScale(fn: string, options: MultiScaleInputOption): PyramidMode {
  const { multiScaleInput = false } = options;
  if (typeof multiScaleInput === 'boolean') return multiScaleInput ? 'average' : false;
  if (multiScaleInput === 'average' || multiScaleInput === 'gaussian') return multiScaleInput;
  const hint = typeof multiScaleInput === 'string' ? didYouMean(multiScaleInput, ['average', 'gaussian']) : '';
  return fail(fn, 'options.multiScaleInput', multiScaleInput, "true, false, 'average' or 'gaussian'", hint);
}
