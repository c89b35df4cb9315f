import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { swinBlock, swinBlockParameterCount } from '../../src/blocks/swinBlock.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { fitLosses, predictArrays, randomInput, roundTrip } from '../models/harness.js';

function mapModel(shape: number[], options: Parameters<typeof swinBlock>[1]): tfl.LayersModel {
  const x = tfl.input({ shape, name: 'input' });
  return tfl.model({ inputs: x, outputs: swinBlock(x, options) });
}

describeEachBackend('swinBlock', () => {
  it('has 12C^2 + 13C + (2w - 1)^dims heads parameters (2D and 3D)', () => {
    for (const shape of [[8, 8, 6], [4, 4, 4, 6]]) {
      const model = mapModel(shape, { numHeads: 2, windowSize: 4, shiftSize: 2, seed: 1 });
      const dims = (shape.length - 1) as 2 | 3;
      expect(model.countParams()).toBe(swinBlockParameterCount(6, 2, 4, dims));
      expect(swinBlockParameterCount(6, 2, 4, dims)).toBe(12 * 36 + 13 * 6 + 7 ** dims * 2);
      model.dispose();
    }
  });

  it('is the identity when the attention and MLP output projections are zero', async () => {
    const model = mapModel([8, 8, 4], { numHeads: 2, windowSize: 4, shiftSize: 2, seed: 2, name: 'z' });
    for (const [layerName, which] of [['z_attn', [2, 3]], ['z_mlp2', [0, 1]]] as const) {
      const layer = model.getLayer(layerName);
      const values = layer.getWeights().map((w, i) => ((which as readonly number[]).includes(i) ? tf.zerosLike(w) : w.clone()));
      layer.setWeights(values);
      tf.dispose(values);
    }
    const x = randomInput([1, 8, 8, 4], 3);
    const [y] = await predictArrays(model, x);
    expectClose(y!, Array.from(x.dataSync()), 1e-6);
    x.dispose();
    model.dispose();
  });

  it('trains, round-trips exactly and leaks nothing (3D, shifted)', async () => {
    const x = randomInput([1, 4, 4, 4, 4], 4);
    const y = tf.tidy(() => tf.mul(x, -1));
    await expectNoLeak(async () => {
      const model = mapModel([4, 4, 4, 4], { numHeads: 1, windowSize: 2, shiftSize: 1, seed: 3 });
      const losses = await fitLosses(model, x, y, 4, 'meanSquaredError');
      expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
      const loaded = await roundTrip(model);
      expect(await predictArrays(loaded, x)).toEqual(await predictArrays(model, x));
      model.dispose();
      loaded.dispose();
    });
    tf.dispose([x, y]);
  });
});

describe('swinBlock arguments', () => {
  it('rejects heads that do not divide the channels, and non-grid inputs', () => {
    expect(() => swinBlock(tfl.input({ shape: [8, 8, 6] }), { numHeads: 4 })).toThrow(
      'swinBlock: options.numHeads is 4; it must divide the channels 6 of x [null, 8, 8, 6] (each head gets C / heads channels).',
    );
    expect(() => swinBlock(tfl.input({ shape: [8, 6] }), { numHeads: 1 })).toThrow(/swinBlock: x is .*; expected a tf.SymbolicTensor \[N, H, W, C\] or \[N, D, H, W, C\]/);
  });
});
