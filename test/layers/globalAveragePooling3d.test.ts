import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { globalAveragePooling3d } from '../../src/layers/globalAveragePooling3d.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { convThen, expectExactRoundTrips, expectFiniteDifferenceGradients, randomTensor } from './layerChecks.js';

describeEachBackend('GlobalAveragePooling3D', () => {
  it('averages every channel over depth, height and width', () => {
    // channel 0 holds 0..7 (mean 3.5), channel 1 holds 10 * (0..7) (mean 35) in a 2 x 2 x 2 volume.
    const values = Array.from({ length: 8 }, (_, i) => [i, 10 * i]).flat();
    const x = tf.tensor5d(values, [1, 2, 2, 2, 2]);
    const y = tf.tidy(() => Array.from((globalAveragePooling3d().apply(x) as tf.Tensor).dataSync()));
    expectClose(y, [3.5, 35], 1e-6);
    x.dispose();
  });

  it('maps [N, D, H, W, C] to [N, C], symbolically too', () => {
    const y = globalAveragePooling3d().apply(tfl.input({ shape: [null, 4, 4, 6] })) as tfl.SymbolicTensor;
    expect(y.shape).toEqual([null, 6]);
  });

  it('has gradients matching finite differences (1 / (D H W) each)', async () => {
    const layer = globalAveragePooling3d();
    const x = randomTensor([2, 2, 2, 3, 2], 1);
    await expectFiniteDifferenceGradients((input) => layer.apply(input) as tf.Tensor, x);
    x.dispose();
  });

  it('round-trips exactly and saves the Keras class name and keys', async () => {
    const model = convThen(globalAveragePooling3d({ name: 'gap' }), [2, 2, 2, 1], 3);
    const x = randomTensor([2, 2, 2, 2, 1], 2);
    const layers = await expectExactRoundTrips(model, x);
    const saved = layers.find((l) => l.config.name === 'gap')!;
    expect(saved.class_name).toBe('GlobalAveragePooling3D');
    expect(Object.keys(saved.config).sort()).toEqual(['data_format', 'name', 'trainable']);
    x.dispose();
    model.dispose();
  });

  it('leaks no tensors', async () => {
    const x = randomTensor([1, 2, 2, 2, 2], 3);
    await expectNoLeakRead(() => globalAveragePooling3d().apply(x) as tf.Tensor);
    x.dispose();
  });
});

describe('GlobalAveragePooling3D arguments', () => {
  it('rejects non-volumes and channels-first with UnetKitError', () => {
    expect(() => globalAveragePooling3d().apply(tfl.input({ shape: [4, 4, 1] }))).toThrow(
      'GlobalAveragePooling3D: input has shape [null, 4, 4, 1] (rank 4); expected rank 5 ([N, D, H, W, C], channels last).',
    );
    expect(() => globalAveragePooling3d({ dataFormat: 'channelsFirst' })).toThrow(/args.dataFormat is 'channelsFirst'/);
  });
});
