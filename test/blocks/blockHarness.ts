import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { claimLayers } from '../../src/layers/claimLayers.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectFinite, fitLosses, predictArrays, randomInput, roundTrip } from '../models/harness.js';

/** The tiny input of block tests: 8x8 images or 4x4x4 volumes with `channels` channels. */
export function tinySpatial(spatialDims: 2 | 3): number[] {
  return spatialDims === 2 ? [8, 8] : [4, 4, 4];
}

/** A model of one block on a tiny input, named layers only from the block (plus `input`). */
export function blockModel(
  build: (x: tfl.SymbolicTensor, spatialDims: 2 | 3) => tfl.SymbolicTensor | tfl.SymbolicTensor[],
  spatialDims: 2 | 3,
  channels: number,
  inputs: number[][] = [],
): tfl.LayersModel {
  const x = tfl.input({ shape: [...tinySpatial(spatialDims), channels], name: 'input' });
  const extra = inputs.map((shape, i) => tfl.input({ shape, name: `input${i + 2}` }));
  const out = build(x, spatialDims);
  // As a user would: claim the layers so dispose() frees shared ones (recurrent blocks).
  return claimLayers(tfl.model({ inputs: [x, ...extra], outputs: out }));
}

/** Settings of {@link describeBlock}. */
export interface BlockCase {
  /** Input channels. */
  channels: number;
  /** Builds the block (with fixed seed and name) on `x`. */
  build: (x: tfl.SymbolicTensor, spatialDims: 2 | 3) => tfl.SymbolicTensor;
  /** The exact layer names of the block's model, input excluded (any order). */
  names: (spatialDims: 2 | 3) => string[];
  /** The expected output shape (batch excluded). */
  outputShape: (spatialDims: 2 | 3) => number[];
}

/**
 * The shared checks of a block in 2D and 3D on every test backend: output shape, exact layer
 * names, a finite leak-free forward pass, a few training steps lowering a loss, and a save/load
 * round trip with identical outputs.
 */
export function describeBlock(title: string, c: BlockCase): void {
  describeEachBackend(title, () => {
    for (const spatialDims of [2, 3] as const) {
      describe(`${spatialDims}D`, () => {
        const inputShape = [...tinySpatial(spatialDims), c.channels];

        it('has the expected output shape and layer names; forward is finite and leak-free', async () => {
          const x = randomInput([2, ...inputShape]);
          await expectNoLeak(async () => {
            const model = blockModel(c.build, spatialDims, c.channels);
            expect(model.outputs[0]!.shape).toEqual([null, ...c.outputShape(spatialDims)]);
            expect(model.layers.map((l) => l.name).sort()).toEqual(['input', ...c.names(spatialDims)].sort());
            const [y] = await predictArrays(model, x);
            expect(y!.length).toBe(2 * c.outputShape(spatialDims).reduce((a, b) => a * b, 1));
            expectFinite(y!);
            model.dispose();
          });
          x.dispose();
        });

        it('a few training steps lower a mean squared error to a fixed target', async () => {
          const x = randomInput([2, ...inputShape], 3);
          const y = tf.randomUniform([2, ...c.outputShape(spatialDims)], 0, 1, 'float32', 4);
          await expectNoLeak(async () => {
            const model = blockModel(c.build, spatialDims, c.channels);
            const losses = await fitLosses(model, x, y, 3, 'meanSquaredError', 2e-2);
            expectFinite(losses);
            expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
            model.dispose();
          });
          tf.dispose([x, y]);
        });

        it('saves and loads with identical outputs, leaving no tensors', async () => {
          const x = randomInput([1, ...inputShape], 5);
          await expectNoLeak(async () => {
            const model = blockModel(c.build, spatialDims, c.channels);
            const loaded = await roundTrip(model);
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

/** Sets the weights of layer `name` of `model` to `values` (tensors created and disposed here). */
export function setWeights(model: tfl.LayersModel, name: string, values: Array<{ shape: number[]; data: number[] | number }>): void {
  const tensors = values.map(({ shape, data }) => (typeof data === 'number' ? tf.fill(shape, data) : tf.tensor(data, shape)));
  model.getLayer(name).setWeights(tensors);
  tf.dispose(tensors);
}
