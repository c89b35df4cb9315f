import * as tfl from '@tensorflow/tfjs-layers';
import { claimLayers } from '../layers/claimLayers.js';
import { spatialLayers } from '../layers/spatial.js';
import { doubleConv } from '../blocks/doubleConv.js';
import { downsample } from '../blocks/downsample.js';
import { head } from '../blocks/head.js';
import { apply, type Sym } from '../blocks/functional.js';
import { upsample } from '../blocks/upsample.js';
import { withScaleImage } from './multiScale.js';
import type { ResolvedModelOptions } from './options.js';
import { levelMargin } from './validSizes.js';

/** The block options every level of a factory passes (norm, activation, bias, seed, name). */
export function blockOptions(r: ResolvedModelOptions, name: string) {
  return {
    spatialDims: r.spatialDims,
    norm: r.norm,
    activation: r.activation,
    ...(r.useBias !== undefined ? { useBias: r.useBias } : {}),
    seed: r.nextSeed(),
    name,
  };
}

/** The model input, named `input`. */
export function modelInput(r: ResolvedModelOptions): Sym {
  return tfl.input({ shape: r.inputShape, name: 'input' });
}

/** The encoder's down-sampling into level `name` (`${name}_down_pool` or `${name}_down_conv`, ...). */
export function down(r: ResolvedModelOptions, x: Sym, name: string): Sym {
  return downsample(x, { ...blockOptions(r, `${name}_down`), mode: r.downsampling });
}

/**
 * Up-samples `x` to `filters` channels (`${name}_up`, `${name}_up_proj`) and concatenates the
 * skips before it (`${name}_concat`), as the U-Net's decoder does.
 */
export function upAndConcat(r: ResolvedModelOptions, x: Sym, skips: Sym[], filters: number, name: string): Sym {
  const up = upsample(x, {
    spatialDims: r.spatialDims,
    mode: r.upsampling,
    filters,
    useBias: r.useBias ?? true,
    seed: r.nextSeed(),
    name,
  });
  return apply(tfl.layers.concatenate({ axis: -1, name: `${name}_concat` }), [...skips, up]);
}

/** A level's block: maps `x` to the features of level `i`, its layers prefixed with `name`. */
export type LevelBlock = (x: Sym, i: number, name: string) => Sym;

/** The U-Net level block: {@link doubleConv} with `convsPerLevel` convs, `filters[i]` channels and the level's dropout. */
export function doubleConvLevel(r: ResolvedModelOptions): LevelBlock {
  return (x, i, name) =>
    doubleConv(x, r.filters[i]!, { ...blockOptions(r, name), convs: r.convsPerLevel, dropout: r.dropout[i]!, padding: r.padding });
}

/**
 * The encoder: levels 0 to `depth` (`enc{i}`, the last `bottleneck`), each but the first
 * down-sampled into ({@link down}) and then passed through `level`. `images` (from
 * `multiScaleImages`) are concatenated to the down-sampled features first, where present.
 * Returns every level's output, the bottleneck last.
 */
export function encode(r: ResolvedModelOptions, x: Sym, level: LevelBlock, images: readonly (Sym | undefined)[] = []): Sym[] {
  const outputs: Sym[] = [];
  for (let i = 0; i <= r.depth; i++) {
    const name = i === r.depth ? 'bottleneck' : `enc${i}`;
    if (i > 0) x = withScaleImage(down(r, x, name), images[i], name);
    x = level(x, i, name);
    outputs.push(x);
  }
  return outputs;
}

/**
 * The decoder over the {@link encode} outputs: from the bottleneck up, level `dec{i}`
 * up-samples, concatenates skip `i` ({@link upAndConcat}; `gate` may transform the skip first,
 * given the coarser features) and applies `level`. With `padding: 'valid'` each skip is first
 * centre-cropped (`dec{i}_crop`) by the margin the levels below lost, as the 2015 paper's
 * "copy and crop". Returns the decoder features, top level first, as {@link finish} takes them.
 */
export function decode(r: ResolvedModelOptions, encoded: Sym[], level: LevelBlock, gate?: (skip: Sym, coarse: Sym, i: number) => Sym): Sym[] {
  let x = encoded[r.depth]!;
  const features: Sym[] = [];
  for (let i = r.depth - 1; i >= 0; i--) {
    let skip = gate === undefined ? encoded[i]! : gate(encoded[i]!, x, i);
    if (r.padding === 'valid') {
      // The up-sampled features are 2 * m_{i+1} per side smaller than the skip, whatever the
      // input size, so a fixed crop also serves null (any-size) inputs.
      const L = spatialLayers(r.spatialDims);
      skip = apply(L.crop({ cropping: 2 * levelMargin(i + 1, r.depth, r.convsPerLevel), name: `dec${i}_crop` }), skip);
    }
    x = upAndConcat(r, x, [skip], r.filters[i]!, `dec${i}`);
    x = level(x, i, `dec${i}`);
    features.unshift(x);
  }
  return features;
}

/**
 * The segmentation heads and the model. `features` are the candidate outputs, the main one first
 * (`head`); with deep supervision every one gets a head (`head_ds1`, ...), and `'mean'` averages
 * them (`head_mean`). `claim: false` leaves the layers' reference counts alone, for a model that
 * shares layers with another (backboneUNet's encoder).
 */
export function finish(r: ResolvedModelOptions, input: Sym, features: Sym[], claim = true): tfl.LayersModel {
  const headOf = (f: Sym, name: string) =>
    head(f, r.numClasses, { spatialDims: r.spatialDims, activation: r.finalActivation, seed: r.nextSeed(), name });
  let outputs: Sym[];
  if (r.deepSupervision === false) {
    outputs = [headOf(features[0]!, 'head')];
  } else {
    outputs = features.map((f, k) => headOf(f, k === 0 ? 'head' : `head_ds${k}`));
    if (r.deepSupervision === 'mean' && outputs.length > 1) {
      outputs = [apply(tfl.layers.average({ name: 'head_mean' }), outputs)];
    }
  }
  const model = tfl.model({ inputs: input, outputs: outputs.length === 1 ? outputs[0]! : outputs, name: r.name });
  // Layers applied several times (R2U-Net's recurrent convs) must still be freed by dispose().
  return claim ? claimLayers(model) : model;
}

