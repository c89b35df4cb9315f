import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { residualBlock } from '../../src/blocks/residualBlock.js';
import { expectClose } from '../helpers/numeric.js';
import { describeBlock, setWeights, tinySpatial } from './blockHarness.js';

describeBlock('residualBlock (post-activation, projection, stride 2)', {
  channels: 2,
  build: (x, spatialDims) => residualBlock(x, 4, { spatialDims, strides: 2, seed: 1, name: 'b' }),
  names: () => ['b_conv1', 'b_norm1', 'b_act1', 'b_conv2', 'b_norm2', 'b_proj', 'b_proj_norm', 'b_add', 'b_out'],
  outputShape: (d) => [...tinySpatial(d).map((s) => s / 2), 4],
});

describeBlock('residualBlock (pre-activation, identity)', {
  channels: 3,
  build: (x, spatialDims) => residualBlock(x, 3, { spatialDims, preActivation: true, dropout: 0.1, seed: 1, name: 'p' }),
  names: () => ['p_norm1', 'p_act1', 'p_conv1', 'p_norm2', 'p_act2', 'p_conv2', 'p_add', 'p_drop'],
  outputShape: (d) => [...tinySpatial(d), 3],
});

describe('residualBlock numbers', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  async function withZeroBranch(preActivation: boolean): Promise<{ x: number[]; y: number[] }> {
    const input = tfl.input({ shape: [2, 2, 2] });
    const model = tfl.model({ inputs: input, outputs: residualBlock(input, 2, { norm: 'none', preActivation, name: 'r' }) });
    for (const name of ['r_conv1', 'r_conv2']) setWeights(model, name, [{ shape: [3, 3, 2, 2], data: 0 }, { shape: [2], data: 0 }]);
    const x = tf.tensor([1, -2, 3, -4, -5, 6, 7, -8], [1, 2, 2, 2]);
    const y = model.predict(x) as tf.Tensor;
    const result = { x: Array.from(await x.data()), y: Array.from(await y.data()) };
    tf.dispose([x, y]);
    model.dispose();
    return result;
  }

  it('with a zero branch, post-activation gives relu(x) and pre-activation gives x (identity shortcut)', async () => {
    const post = await withZeroBranch(false);
    expectClose(post.y, post.x.map((v) => Math.max(v, 0)));
    const pre = await withZeroBranch(true);
    expectClose(pre.y, pre.x);
  });

  it('leaves out the input norm with inputNormAct false (the first ResUNet unit) and projects when channels differ', () => {
    const x = tfl.input({ shape: [8, 8, 1] });
    const model = tfl.model({ inputs: x, outputs: residualBlock(x, 4, { preActivation: true, inputNormAct: false, name: 'f' }) });
    const names = model.layers.map((l) => l.name);
    expect(names).not.toContain('f_norm1');
    expect(names).toEqual(expect.arrayContaining(['f_conv1', 'f_norm2', 'f_act2', 'f_conv2', 'f_proj', 'f_proj_norm']));
    model.dispose();
    expect(() => residualBlock(x, 4, { convs: 0 })).toThrow(/residualBlock: options\.convs is 0/);
    expect(() => residualBlock(x, 4, { preActivation: 'yes' as never })).toThrow(/options\.preActivation is 'yes'; expected true or false/);
  });
});
