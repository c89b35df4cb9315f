import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { convNormAct } from '../../src/blocks/convNormAct.js';
import { UnetKitError } from '../../src/core/errors.js';
import { expectClose } from '../helpers/numeric.js';
import { describeBlock, setWeights, tinySpatial } from './blockHarness.js';

describeBlock('convNormAct', {
  channels: 2,
  build: (x, spatialDims) => convNormAct(x, 3, { spatialDims, dropout: 0.1, seed: 1, name: 'b' }),
  names: () => ['b_conv', 'b_norm', 'b_act', 'b_drop'],
  outputShape: (d) => [...tinySpatial(d), 3],
});

describe('convNormAct numbers and options', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('computes relu(w . x + b) for a 1x1 conv without norm (hand-checked)', async () => {
    const x = tfl.input({ shape: [1, 2, 2] });
    const model = tfl.model({ inputs: x, outputs: convNormAct(x, 1, { kernelSize: 1, norm: 'none', name: 'c' }) });
    setWeights(model, 'c_conv', [
      { shape: [1, 1, 2, 1], data: [2, -1] },
      { shape: [1], data: [0.5] },
    ]);
    // Pixel (1, 1): 2*1 - 1*1 + 0.5 = 1.5; pixel (0, 3): 0 - 3 + 0.5 = -2.5 -> relu 0.
    const input = tf.tensor([1, 1, 0, 3], [1, 1, 2, 2]);
    const y = model.predict(input) as tf.Tensor;
    expectClose(Array.from(await y.data()), [1.5, 0]);
    tf.dispose([input, y]);
    model.dispose();
  });

  it('orders norm -> act -> conv with preActivation, normalizing the input channels', () => {
    const x = tfl.input({ shape: [4, 4, 3] });
    const y = convNormAct(x, 5, { preActivation: true, name: 'p' });
    const model = tfl.model({ inputs: x, outputs: y });
    expect(model.layers.map((l) => l.name)).toEqual(['input_1'.replace('input_1', model.layers[0]!.name), 'p_norm', 'p_act', 'p_conv']);
    expect(model.getLayer('p_norm').outputShape).toEqual([null, 4, 4, 3]);
    expect(model.getLayer('p_conv').outputShape).toEqual([null, 4, 4, 5]);
    model.dispose();
  });

  it('has no bias with a norm and a bias without one, unless told; stride divides the size', () => {
    const x = tfl.input({ shape: [8, 8, 2] });
    const count = (y: tfl.SymbolicTensor) => tfl.model({ inputs: x, outputs: y }).countParams();
    // 3x3x2x4 = 72 weights; batch norm 4 x 4 = 16; bias 4.
    expect(count(convNormAct(x, 4, { name: 'n1' }))).toBe(72 + 16);
    expect(count(convNormAct(x, 4, { norm: 'none', name: 'n2' }))).toBe(72 + 4);
    expect(count(convNormAct(x, 4, { norm: 'instance', useBias: true, name: 'n3' }))).toBe(72 + 4 + 8);
    expect(convNormAct(x, 4, { strides: 2, name: 'n4' }).shape).toEqual([null, 4, 4, 4]);
  });

  it('throws a UnetKitError naming the argument for bad input', () => {
    const x = tfl.input({ shape: [8, 8, 2] });
    expect(() => convNormAct(tf.zeros([1, 8, 8, 2]) as never, 4)).toThrow(/convNormAct: x is tensor of shape \[1, 8, 8, 2\]; expected a tf.SymbolicTensor/);
    expect(() => convNormAct(x, 4, { spatialDims: 3 })).toThrow(/convNormAct: x has shape \[null, 8, 8, 2\]; expected rank 5/);
    expect(() => convNormAct(x, 0)).toThrow(/convNormAct: filters is 0; expected an integer >= 1/);
    expect(() => convNormAct(x, 4, { strides: 2, dilationRate: 2 })).toThrow(UnetKitError);
    expect(() => convNormAct(x, 4, { dropuot: 0.1 } as never)).toThrow(/options\.dropuot is not a known option.*Did you mean 'dropout'\?/);
    expect(() => convNormAct(x, 4, { dropout: 1 })).toThrow(/options\.dropout is 1; expected a finite number >= 0 and < 1/);
    expect(() => convNormAct(x, 4, { norm: 'instnce' as never })).toThrow(/Did you mean 'instance'\?/);
  });
});
