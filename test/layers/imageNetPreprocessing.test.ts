import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { imageNetPreprocessing } from '../../src/layers/imageNetPreprocessing.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectExactRoundTrips } from './layerChecks.js';

// One RGB pixel (R, G, B) = (255, 0, 127.5), normalised by hand as keras.applications.imagenet_utils does.
const PIXEL = [255, 0, 127.5];

describeEachBackend('ImageNetPreprocessing', () => {
  it("'tf' maps [0, 255] to [-1, 1]", async () => {
    const x = tf.tensor4d(PIXEL, [1, 1, 1, 3]);
    expectClose(await expectNoLeakRead(() => imageNetPreprocessing({ mode: 'tf' }).apply(x) as tf.Tensor), [[[[1, -1, 0]]]], 1e-6);
    x.dispose();
  });

  it("'torch' scales to [0, 1], then standardises with the ImageNet mean and std", async () => {
    const x = tf.tensor4d(PIXEL, [1, 1, 1, 3]);
    const expected = [(1 - 0.485) / 0.229, (0 - 0.456) / 0.224, (0.5 - 0.406) / 0.225];
    expectClose(await expectNoLeakRead(() => imageNetPreprocessing({ mode: 'torch' }).apply(x) as tf.Tensor), [[[expected]]], 1e-5);
    x.dispose();
  });

  it("'caffe' swaps RGB to BGR and subtracts the BGR mean, no scaling", async () => {
    const x = tf.tensor4d(PIXEL, [1, 1, 1, 3]);
    const expected = [127.5 - 103.939, 0 - 116.779, 255 - 123.68];
    expectClose(await expectNoLeakRead(() => imageNetPreprocessing({ mode: 'caffe' }).apply(x) as tf.Tensor), [[[expected]]], 1e-4);
    x.dispose();
  });

  it('saves and loads exactly', async () => {
    const input = tfl.input({ shape: [2, 2, 3] });
    const model = tfl.model({ inputs: input, outputs: imageNetPreprocessing({ mode: 'caffe', name: 'pre' }).apply(input) as tfl.SymbolicTensor });
    const x = tf.randomUniform([1, 2, 2, 3], 0, 255, 'float32', 4);
    await expectExactRoundTrips(model, x);
    x.dispose();
    model.dispose();
  });
});

describe('ImageNetPreprocessing arguments', () => {
  it('rejects an unknown mode with a suggestion and a non-RGB input for caffe and torch', () => {
    expect(() => imageNetPreprocessing({ mode: 'cafe' as 'caffe' })).toThrow(/Did you mean 'caffe'/);
    expect(() => imageNetPreprocessing({ mode: 'torch' }).apply(tfl.input({ shape: [4, 4, 1] }))).toThrow(/3 channels last/);
    expect(imageNetPreprocessing({ mode: 'tf' }).computeOutputShape([null, 4, 4, 1])).toEqual([null, 4, 4, 1]);
  });
});
