import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { attentionGate } from '../../src/blocks/attentionGate.js';
import { downsample } from '../../src/blocks/downsample.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { describeBlock, setWeights, tinySpatial } from './blockHarness.js';

describeBlock('attentionGate', {
  channels: 2,
  // The gating signal: the input pooled to the coarser grid and widened by a strided conv.
  build: (x, spatialDims) =>
    attentionGate(x, downsample(x, { spatialDims, mode: 'strided', filters: 3, seed: 2, name: 'g' }), { spatialDims, seed: 1, name: 'a' }),
  names: () => ['g_conv', 'g_norm', 'g_act', 'a_theta', 'a_phi', 'a_add', 'a_relu', 'a_psi', 'a_sigmoid', 'a_resample', 'a_mul'],
  outputShape: (d) => [...tinySpatial(d), 2],
});

describeEachBackend('attentionGate with psi forced to 0 weights and bias b', () => {
  for (const spatialDims of [2, 3] as const) {
    it(`multiplies x by sigmoid(b) everywhere (${spatialDims}D, hand-checked)`, async () => {
      const spatial = spatialDims === 2 ? [4, 4] : [4, 4, 4];
      const xIn = tfl.input({ shape: [...spatial, 2] });
      const gIn = tfl.input({ shape: [...spatial.map((s) => s / 2), 3] });
      const model = tfl.model({ inputs: [xIn, gIn], outputs: attentionGate(xIn, gIn, { spatialDims, seed: 3, name: 'a' }) });
      // b = ln 3: sigmoid(b) = 1 / (1 + e^-ln3) = 1 / (1 + 1/3) = 0.75, whatever theta(x) + phi(g) is.
      setWeights(model, 'a_psi', [
        { shape: [...spatial.map(() => 1), 1, 1], data: 0 },
        { shape: [1], data: Math.log(3) },
      ]);
      const x = tf.randomNormal([2, ...spatial, 2], 0, 1, 'float32', 4);
      const g = tf.randomNormal([2, ...spatial.map((s) => s / 2), 3], 0, 1, 'float32', 5);
      const y = (await expectNoLeak(() => model.predict([x, g]))) as tf.Tensor;
      expect(y.shape).toEqual(x.shape);
      expectClose(Array.from(await y.data()), Array.from(await x.data()).map((v) => 0.75 * v), 1e-6);
      tf.dispose([x, g, y]);
      model.dispose();
    });
  }
});

describe('attentionGate options', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('infers the grid ratio from the shapes and rejects a contradicting or non-integer one', () => {
    const x = tfl.input({ shape: [8, 8, 4] });
    const g4 = tfl.input({ shape: [2, 2, 4] });
    const g3 = tfl.input({ shape: [3, 3, 4] });
    const model = tfl.model({ inputs: [x, g4], outputs: attentionGate(x, g4, { name: 'r4' }) });
    expect(model.getLayer('r4_theta').outputShape).toEqual([null, 2, 2, 2]);
    model.dispose();
    expect(() => attentionGate(x, g4, { ratio: 2, name: 'bad' })).toThrow(/options\.ratio is 2, but the shapes of x and g give 4/);
    expect(() => attentionGate(x, g3)).toThrow(/attentionGate: x and g have spatial shapes \[8, 8\] and \[3, 3\]/);
    expect(() => attentionGate(x, x, { resample: 'cubic' as never })).toThrow(/options\.resample is 'cubic'/);
    expect(() => attentionGate(x, tfl.input({ shape: [2, 2, 2, 4] }))).toThrow(/attentionGate: g has shape \[null, 2, 2, 2, 4\]; expected rank 4/);
  });

  it('with unknown sizes uses ratio 2 (the level below)', () => {
    const x = tfl.input({ shape: [null, null, 4] });
    const g = tfl.input({ shape: [null, null, 8] });
    const y = attentionGate(x, g, { interChannels: 3, name: 'u' });
    expect(y.shape).toEqual([null, null, null, 4]);
  });
});
