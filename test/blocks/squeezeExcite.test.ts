import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { squeezeExcite } from '../../src/blocks/squeezeExcite.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { describeBlock, setWeights, tinySpatial } from './blockHarness.js';

describeBlock('squeezeExcite (scSE)', {
  channels: 4,
  build: (x, spatialDims) => squeezeExcite(x, { spatialDims, reduction: 2, seed: 1, name: 'se' }),
  names: () => ['se_gap', 'se_fc1', 'se_fc2', 'se_reshape', 'se_cse', 'se_sse_conv', 'se_sse_sigmoid', 'se_sse', 'se_combine'],
  outputShape: (d) => [...tinySpatial(d), 4],
});

describeEachBackend('squeezeExcite with the gates forced to a constant', () => {
  // Zero weights and bias b = ln 3 make every gate sigmoid(ln 3) = 0.75 (hand-checked).
  const cases: Array<[string, 'cSE' | 'sSE' | 'scSE', 'add' | 'max', number]> = [
    ['cSE multiplies by 0.75', 'cSE', 'add', 0.75],
    ['sSE multiplies by 0.75', 'sSE', 'add', 0.75],
    ['scSE adds the two: 0.75 + 0.75 = 1.5', 'scSE', 'add', 1.5],
    ['scSE with max keeps 0.75 of positive and of negative values alike (max of equal maps)', 'scSE', 'max', 0.75],
  ];
  for (const spatialDims of [2, 3] as const) {
    for (const [title, mode, combine, factor] of cases) {
      it(`${title} (${spatialDims}D)`, async () => {
        const spatial = spatialDims === 2 ? [3, 3] : [2, 3, 3];
        const input = tfl.input({ shape: [...spatial, 4] });
        const model = tfl.model({ inputs: input, outputs: squeezeExcite(input, { spatialDims, mode, combine, reduction: 4, name: 'q' }) });
        if (mode !== 'sSE') setWeights(model, 'q_fc2', [{ shape: [1, 4], data: 0 }, { shape: [4], data: Math.log(3) }]);
        if (mode !== 'cSE') setWeights(model, 'q_sse_conv', [{ shape: [...spatial.map(() => 1), 4, 1], data: 0 }, { shape: [1], data: Math.log(3) }]);
        const x = tf.randomNormal([2, ...spatial, 4], 0, 1, 'float32', 6);
        const y = model.predict(x) as tf.Tensor;
        expectClose(Array.from(await y.data()), Array.from(await x.data()).map((v) => factor * v), 1e-6);
        tf.dispose([x, y]);
        model.dispose();
      });
    }
  }
});

describe('squeezeExcite options', () => {
  it('keeps at least one hidden unit and rejects unknown modes', () => {
    const x = tfl.input({ shape: [4, 4, 2] });
    const model = tfl.model({ inputs: x, outputs: squeezeExcite(x, { mode: 'cSE', name: 'h' }) });
    expect(model.getLayer('h_fc1').outputShape).toEqual([null, 1]); // floor(2 / 16) -> 1
    model.dispose();
    expect(() => squeezeExcite(x, { mode: 'cse' as never })).toThrow(/squeezeExcite: options\.mode is 'cse'.*Did you mean 'cSE'\?/);
  });
});
