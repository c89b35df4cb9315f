import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { head } from '../../src/blocks/head.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectClose } from '../helpers/numeric.js';
import { describeBlock, tinySpatial } from './blockHarness.js';

describeBlock('head', {
  channels: 4,
  build: (x, spatialDims) => head(x, 3, { spatialDims, seed: 1, name: 'out' }),
  names: () => ['out_conv', 'out_act'],
  outputShape: (d) => [...tinySpatial(d), 3],
});

describeEachBackend('head outputs', () => {
  it('softmax is over the channel axis: class probabilities sum to 1 at every pixel', async () => {
    const input = tfl.input({ shape: [3, 3, 2] });
    const model = tfl.model({ inputs: input, outputs: head(input, 4, { seed: 2 }) });
    expect(model.layers.map((l) => l.name)).toEqual([model.layers[0]!.name, 'head_conv', 'head_act']);
    const x = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 1);
    const y = model.predict(x) as tf.Tensor;
    const sums = tf.sum(y, -1);
    expectClose(Array.from(await sums.data()), new Array(18).fill(1), 1e-6);
    tf.dispose([x, y, sums]);
    model.dispose();
  });

  it('sigmoid is the default for one class; none leaves the logits', () => {
    const input = tfl.input({ shape: [3, 3, 2] });
    const sig = tfl.model({ inputs: input, outputs: head(input, 1, { name: 's' }) });
    expect((sig.getLayer('s_act').getConfig() as { activation: string }).activation).toBe('sigmoid');
    const raw = tfl.model({ inputs: input, outputs: head(input, 2, { activation: 'none', name: 'r' }) });
    expect(raw.layers.map((l) => l.name)).toEqual([raw.layers[0]!.name, 'r_conv']);
    sig.dispose();
    raw.dispose();
    expect(() => head(input, 1, { activation: 'softmax' })).toThrow(/head: options\.activation is 'softmax' with one class/);
    expect(() => head(input, 0)).toThrow(/head: numClasses is 0/);
  });
});
