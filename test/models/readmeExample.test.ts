import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
// The package root, as `import { resUNet, diceLoss } from 'unet-kit'` resolves it.
import { diceLoss, resUNet, unet, useBackend } from '../../src/index.js';
import { fixedTarget, randomInput } from './harness.js';

describe("README: import { resUNet, diceLoss } from 'unet-kit'", () => {
  it('builds a resUNet, compiles it with diceLoss and trains', async () => {
    await useBackend('cpu');
    const model = resUNet({ inputShape: [16, 16, 1], numClasses: 1, filters: [4, 8, 16], seed: 1 });
    const optimizer = tf.train.adam(1e-2);
    model.compile({ optimizer, loss: diceLoss() });
    const images = randomInput([2, 16, 16, 1], 2);
    const masks = fixedTarget(images, 1);
    const history = await model.fit(images, masks, { epochs: 3, batchSize: 2, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[2]!).toBeLessThan(losses[0]!);
    model.dispose();
    optimizer.dispose();
    tf.dispose([images, masks]);
  });

  it('2.5D recipe: k adjacent slices as the channels of a 2D net, predicting the middle slice', () => {
    const model = unet({ inputShape: [32, 32, 5], numClasses: 3, filters: [8, 16, 32] });
    expect(model.inputs[0]!.shape).toEqual([null, 32, 32, 5]);
    expect(model.outputs[0]!.shape).toEqual([null, 32, 32, 3]);
    model.dispose();
  });
});
