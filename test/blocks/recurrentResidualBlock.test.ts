import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { recurrentResidualBlock } from '../../src/blocks/recurrentResidualBlock.js';
import { expectClose } from '../helpers/numeric.js';
import { describeBlock, setWeights, tinySpatial } from './blockHarness.js';

describeBlock('recurrentResidualBlock', {
  channels: 2,
  build: (x, spatialDims) => recurrentResidualBlock(x, 3, { spatialDims, seed: 1, name: 'r' }),
  names: () => [
    'r_proj',
    ...[1, 2].flatMap((k) => [`r_rcl${k}_conv`, `r_rcl${k}_norm`, `r_rcl${k}_act`, `r_rcl${k}_add1`, `r_rcl${k}_add2`]),
    'r_add',
  ],
  outputShape: (d) => [...tinySpatial(d), 3],
});

describe('recurrentResidualBlock', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('shares one conv per recurrent layer across t + 1 steps: params = projection + convs * one unit', () => {
    const input = tfl.input({ shape: [4, 4, 2] });
    const model = tfl.model({ inputs: input, outputs: recurrentResidualBlock(input, 3, { recurrence: 3, norm: 'none', name: 'r' }) });
    // Projection 1x1 2 -> 3 with bias: 9; each RCL one 3x3 3 -> 3 conv with bias: 84; two RCLs.
    expect(model.countParams()).toBe(9 + 2 * 84);
    expect(model.getLayer('r_rcl1_conv').inboundNodes.length).toBe(4);
    model.dispose();
  });

  it('with zero recurrent convs and an identity projection it is the identity: u + relu(conv(u + 0)) = u', async () => {
    const input = tfl.input({ shape: [3, 3, 2] });
    const model = tfl.model({ inputs: input, outputs: recurrentResidualBlock(input, 2, { norm: 'none', name: 'z' }) });
    setWeights(model, 'z_proj', [{ shape: [1, 1, 2, 2], data: [1, 0, 0, 1] }, { shape: [2], data: 0 }]);
    for (const k of [1, 2]) setWeights(model, `z_rcl${k}_conv`, [{ shape: [3, 3, 2, 2], data: 0 }, { shape: [2], data: 0 }]);
    const x = tf.randomNormal([1, 3, 3, 2], 0, 1, 'float32', 8);
    const y = model.predict(x) as tf.Tensor;
    expectClose(Array.from(await y.data()), Array.from(await x.data()), 1e-6);
    tf.dispose([x, y]);
    model.dispose();
    expect(() => recurrentResidualBlock(input, 2, { recurrence: 0 })).toThrow(/options\.recurrence is 0; expected an integer >= 1/);
  });
});
