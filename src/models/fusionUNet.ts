import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertNumber, assertOneOf } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';
import { convNormAct } from '../blocks/convNormAct.js';
import { apply, type Sym } from '../blocks/functional.js';
import { channelSlice } from '../layers/channelSlice.js';
import { modalityAttention } from '../layers/modalityAttention.js';
import { modalityMask } from '../layers/modalityMask.js';
import { modalityScale } from '../layers/modalityScale.js';
import { blockOptions, decode, doubleConvLevel, down, encode, finish, modelInput } from './build.js';
import { guardedBuild } from './guardedBuild.js';
import { resolveModelOptions, type ResolvedModelOptions, type UNetOptions } from './options.js';

/** Where {@link fusionUNet} fuses the modalities. */
export const FUSION_MODES = ['early', 'late'] as const;
/** How late fusion merges the modalities' features. */
export const FUSION_MERGES = ['concat', 'attention'] as const;

/** Options of {@link fusionUNet}. */
export interface FusionUNetOptions extends UNetOptions {
  /**
   * Number of modalities M (MRI sequences, CT + MRI, ...). The input's `C` channels are M equal
   * groups, modality-major: `[T1, T1ce, T2, FLAIR]` for M = 4 single-channel sequences.
   * Default: `C` (one channel per modality). With one modality, late fusion is a U-Net with a
   * 1x1 conv (or an identity attention) at each level.
   */
  modalities?: number;
  /** `'early'`: modalities as input channels of one U-Net; `'late'`: one encoder per modality. Default `'late'`. */
  fusion?: (typeof FUSION_MODES)[number];
  /**
   * Late fusion only: `'concat'` concatenates the modalities' features of each level and maps them
   * back to the level's width with a 1x1 conv -> norm -> act; `'attention'` weights them by a
   * learned per-channel softmax over the modalities ({@link ModalityAttention}). Default `'concat'`.
   */
  merge?: (typeof FUSION_MERGES)[number];
  /**
   * Modality dropout (ModDrop / HeMIS): in training, each modality of each sample is dropped with
   * this probability (its features zeroed, the others rescaled by `M / kept`; at least one kept).
   * Setting it, even to 0, also makes the net treat a modality whose input is all zeros as
   * missing, in training and at inference. Default: unset (no masking).
   */
  modalityDropout?: number;
}

interface Fusion {
  modalities: number;
  fusion: (typeof FUSION_MODES)[number];
  merge: (typeof FUSION_MERGES)[number];
  dropout: number | undefined;
}

function resolveFusion(r: ResolvedModelOptions, options: FusionUNetOptions): Fusion {
  const fn = r.fn;
  const channels = r.inputShape[r.spatialDims] as number;
  const { modalities = channels, fusion = 'late', modalityDropout } = options;
  assertInteger(fn, 'options.modalities', modalities, { min: 1 });
  if (channels % modalities !== 0) {
    throw new UnetKitError(
      fn,
      'options.modalities',
      `is ${modalities} with ${channels} input channels (inputShape ${formatValue(r.inputShape)}); the channels must be ${modalities} equal groups, one per modality: use a divisor of ${channels}, or inputShape with ${modalities} x (channels per modality) channels.`,
    );
  }
  assertOneOf(fn, 'options.fusion', fusion, FUSION_MODES);
  if (fusion === 'early' && options.merge !== undefined) {
    throw new UnetKitError(fn, 'options.merge', `is ${formatValue(options.merge)} with fusion 'early', which merges nothing (the modalities are input channels); leave it out or use fusion 'late'.`);
  }
  const merge = options.merge ?? 'concat';
  assertOneOf(fn, 'options.merge', merge, FUSION_MERGES);
  if (modalityDropout !== undefined) assertNumber(fn, 'options.modalityDropout', modalityDropout, { min: 0, max: 1, maxExclusive: true });
  return { modalities, fusion, merge, dropout: modalityDropout };
}

/** Level `i`'s fusion of the modalities' features `levelFeatures` (`${name}_fuse_*`). */
function fuse(r: ResolvedModelOptions, f: Fusion, levelFeatures: Sym[], weights: Sym | undefined, i: number, name: string): Sym {
  // One modality (C = c) has nothing to concatenate: its features go to the fusion layer as they are.
  const stacked = levelFeatures.length === 1 ? levelFeatures[0]! : apply(tfl.layers.concatenate({ axis: -1, name: `${name}_fuse_concat` }), levelFeatures);
  if (f.merge === 'attention') {
    const layer = modalityAttention({ modalities: f.modalities, seed: r.nextSeed(), name: `${name}_fuse_att` });
    return apply(layer, weights === undefined ? stacked : [stacked, weights]);
  }
  const dropped = weights === undefined ? stacked : apply(modalityScale({ modalities: f.modalities, name: `${name}_fuse_drop` }), [stacked, weights]);
  return convNormAct(dropped, r.filters[i]!, { ...blockOptions(r, `${name}_fuse`), kernelSize: 1 });
}

/**
 * A U-Net for multi-modal images (several MRI sequences, CT + MRI), fusing the modalities early
 * or late (Zhou, Ruan & Canu 2019, "A review: Deep learning for medical image segmentation using
 * multi-modality fusion", which finds late fusion the more accurate when its fusion is effective;
 * per-modality paths as in Dolz et al. 2019, "HyperDense-Net: A hyper-densely connected CNN for
 * multi-modal image segmentation", which compares early fusion, late fusion and dense
 * connections between the paths on iSEG and MRBrainS).
 *
 * - `fusion: 'early'`: the modalities are the input channels of one {@link unet}.
 * - `fusion: 'late'` (default): the one input `[..., M * c]` is split by channel
 *   (`modality{k}_slice`) into M inputs of `c` channels, each with its own encoder of the
 *   given `filters` (`mod{k}_enc{i}_*`, `mod{k}_bottleneck_*`); at every level, the skips and
 *   the bottleneck, the M feature maps are fused (`enc{i}_fuse_*`, `bottleneck_fuse_*`) by
 *   `merge` into `filters[i]` channels, and one U-Net decoder runs on the fused features.
 *   One stacked input rather than M model inputs, so the data pipeline, `slidingWindow`,
 *   TTA and the CLI, which feed one tensor, work unchanged, and early and late fusion take the
 *   same batches.
 * - `modalityDropout: p` adds `modality_mask` ({@link ModalityMask}), whose per-sample weights
 *   zero dropped or all-zero (missing) modalities and rescale the rest: on the input for early
 *   fusion (`modality_drop`), on every level's features for late fusion; inactive at inference
 *   except for missing modalities.
 *
 * Parameters (late, concat): M encoders, plus per level `M * filters[i]^2` (+ norm) for the 1x1
 * fusion conv, plus the U-Net decoder; see docs/parameter-counts.md.
 *
 * @returns a `tf.LayersModel` mapping `[N, ...spatial, M * c]` to `[N, ...spatial, numClasses]`.
 * @example
 * ```ts
 * // BraTS: T1, T1ce, T2, FLAIR stacked as channels; attention fusion; 25% modality dropout.
 * const model = fusionUNet({ inputShape: [128, 128, 4], numClasses: 4, filters: [16, 32, 64, 128], merge: 'attention', modalityDropout: 0.25 });
 * ```
 */
export function fusionUNet(options: FusionUNetOptions): tfl.LayersModel {
  return guardedBuild(() => {
    const r = resolveModelOptions('fusionUNet', options, ['modalities', 'fusion', 'merge', 'modalityDropout']);
    const f = resolveFusion(r, options);
    const input = modelInput(r);
    const level = doubleConvLevel(r);
    const weights =
      f.dropout === undefined ? undefined : apply(modalityMask({ modalities: f.modalities, rate: f.dropout, seed: r.nextSeed(), name: 'modality_mask' }), input);
    if (f.fusion === 'early') {
      const x = weights === undefined ? input : apply(modalityScale({ modalities: f.modalities, name: 'modality_drop' }), [input, weights]);
      return finish(r, input, decode(r, encode(r, x, level), level));
    }
    const perModality = (r.inputShape[r.spatialDims] as number) / f.modalities;
    const encoders: Sym[][] = [];
    for (let k = 0; k < f.modalities; k++) {
      let x = apply(channelSlice({ start: k * perModality, size: perModality, name: `modality${k}_slice` }), input);
      const outputs: Sym[] = [];
      for (let i = 0; i <= r.depth; i++) {
        const name = `mod${k}_${i === r.depth ? 'bottleneck' : `enc${i}`}`;
        if (i > 0) x = down(r, x, name);
        x = level(x, i, name);
        outputs.push(x);
      }
      encoders.push(outputs);
    }
    const fused = Array.from({ length: r.depth + 1 }, (_, i) =>
      fuse(r, f, encoders.map((e) => e[i]!), weights, i, i === r.depth ? 'bottleneck' : `enc${i}`),
    );
    return finish(r, input, decode(r, fused, level));
  });
}
