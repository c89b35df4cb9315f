import type * as tfl from '@tensorflow/tfjs-layers';
import type { Sym } from '../blocks/functional.js';
import { doubleConvLevel, down, finish, modelInput, upAndConcat } from './build.js';
import { guardedBuild } from './guardedBuild.js';
import { resolveModelOptions, type UNetOptions } from './options.js';

/**
 * UNet++ (Zhou et al. 2018, "UNet++: A Nested U-Net Architecture for Medical Image
 * Segmentation"): nested, dense skip pathways. Node X(i, j) (level i, column j) is a level block
 * on the concatenation of X(i, 0..j-1) and the up-sampled X(i+1, j-1); X(i, 0) is the encoder.
 * The output is the head on X(0, depth); with `deepSupervision: true` one head per X(0, j),
 * X(0, depth) first (all full resolution), and with `'mean'` their average (the paper's
 * "accurate mode"; prune by reading an earlier output for its "fast mode").
 *
 * Layers: `x{i}_{j}_conv1`, ..., `x{i}_0_down_pool`, `x{i}_{j}_up`, `x{i}_{j}_concat`, `head`,
 * `head_ds{k}` (output of X(0, depth - k)), `head_mean`.
 *
 * @returns a `tf.LayersModel` (see {@link unet} for shapes).
 * @example
 * ```ts
 * const model = unetPlusPlus({ inputShape: [96, 96, 1], numClasses: 1, filters: [32, 64, 128, 256], deepSupervision: 'mean' });
 * ```
 */
export function unetPlusPlus(options: UNetOptions): tfl.LayersModel {
  return guardedBuild(() => {
    const r = resolveModelOptions('unetPlusPlus', options, [], { allowMean: true });
    const input = modelInput(r);
    const nodes: Sym[][] = [];
    const level = doubleConvLevel(r);
    const block = (x: Sym, i: number, j: number) => level(x, i, `x${i}_${j}`);
    let x = input;
    for (let i = 0; i <= r.depth; i++) {
      if (i > 0) x = down(r, x, `x${i}_0`);
      x = block(x, i, 0);
      nodes.push([x]);
    }
    // Column by column, so every node's inputs exist: X(i, j) needs X(i+1, j-1).
    for (let j = 1; j <= r.depth; j++) {
      for (let i = 0; i + j <= r.depth; i++) {
        const merged = upAndConcat(r, nodes[i + 1]![j - 1]!, nodes[i]!, r.filters[i]!, `x${i}_${j}`);
        nodes[i]!.push(block(merged, i, j));
      }
    }
    const top = nodes[0]!;
    const features = top.slice(1).reverse();
    return finish(r, input, features);
  });
}
