import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import type { UNetOptions } from '../../src/models/options.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectFinite, expectUniqueNames, fitLosses, fixedTarget, predictArrays, randomInput, roundTrip } from './harness.js';

/** A factory under test. */
export type Factory = (options: UNetOptions) => tfl.LayersModel;

/** The tiny configurations every factory is checked on: 16x16x1 images and 8x8x8x1 volumes. */
export function tinyOptions(spatialDims: 2 | 3, extra: Partial<UNetOptions> = {}): UNetOptions {
  return {
    inputShape: spatialDims === 2 ? [16, 16, 1] : [8, 8, 8, 1],
    numClasses: 2,
    spatialDims,
    filters: [2, 4, 8],
    seed: 7,
    ...extra,
  };
}

/**
 * Training settings: the defaults (batch norm, transposed-conv up-sampling) in 2D and 3D; 3D
 * needs unet-kit's rank-5 batch norm and conv3dTranspose gradient (src/layers,
 * src/kernels). `extra` lets a factory's suite train another norm.
 */
export function trainOptions(spatialDims: 2 | 3, extra: Partial<UNetOptions> = {}): UNetOptions {
  return tinyOptions(spatialDims, extra);
}

/**
 * The shared checks of an architecture factory, in 2D and 3D on every test backend: output
 * shape, unique and predictable layer names, a forward pass giving per-pixel probabilities, no
 * leaked tensors, a few training steps lowering the loss, and a save/load round trip with
 * identical outputs.
 */
export function describeFactory(
  title: string,
  factory: Factory,
  settings: { expectedNames: string[]; extra?: Partial<UNetOptions>; train3d?: Partial<UNetOptions> },
): void {
  describeEachBackend(title, () => {
    for (const spatialDims of [2, 3] as const) {
      describe(`${spatialDims}D`, () => {
        const spatial = spatialDims === 2 ? [16, 16] : [8, 8, 8];

        it('has the right output shape and unique, predictable layer names; forward gives probabilities; no leaks', async () => {
          const x = randomInput([2, ...spatial, 1]);
          await expectNoLeak(async () => {
            const model = factory(tinyOptions(spatialDims, settings.extra));
            expect(model.outputs.map((o) => o.shape)).toEqual([[null, ...spatial, 2]]);
            const names = expectUniqueNames(model);
            expect(names).toEqual(expect.arrayContaining(['input', ...settings.expectedNames, 'head_conv', 'head_act']));
            expect(names[names.length - 1]).toBe('head_act');
            const [probs] = await predictArrays(model, x);
            expect(probs!.length).toBe(2 * spatial.reduce((a, b) => a * b, 1) * 2);
            expectFinite(probs!);
            // Softmax over the channel axis: the two class probabilities of each voxel sum to 1.
            const sums = Array.from({ length: probs!.length / 2 }, (_, i) => probs![2 * i]! + probs![2 * i + 1]!);
            expectClose(sums, sums.map(() => 1), 1e-5);
            model.dispose();
          });
          x.dispose();
        });

        it('a few training steps lower the loss (fixed seed and target)', async () => {
          const x = randomInput([2, ...spatial, 1], 3);
          const y = fixedTarget(x, 2);
          await expectNoLeak(async () => {
            const model = factory(trainOptions(spatialDims, { ...settings.extra, ...(spatialDims === 3 ? settings.train3d : {}) }));
            const losses = await fitLosses(model, x, y, 4, 'categoricalCrossentropy');
            expectFinite(losses);
            expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
            model.dispose();
          });
          tf.dispose([x, y]);
        });

        it('saves and loads with tf.loadLayersModel, giving identical outputs and leaving no tensors', async () => {
          const x = randomInput([1, ...spatial, 1], 5);
          await expectNoLeak(async () => {
            const model = factory(tinyOptions(spatialDims, settings.extra));
            const loaded = await roundTrip(model);
            expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
            expect(loaded.countParams()).toBe(model.countParams());
            expect(await predictArrays(loaded, x)).toEqual(await predictArrays(model, x));
            model.dispose();
            loaded.dispose();
          });
          x.dispose();
        });
      });
    }
  });
}
