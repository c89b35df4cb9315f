import * as tf from '@tensorflow/tfjs-core';
import { afterEach, expect, it } from 'vitest';
import { argmax, threshold } from '../../src/inference/postprocess.js';
import { predictVolume25D } from '../../src/inference/predictVolume25D.js';
import { tiledPredict } from '../../src/inference/tiles.js';
import { setFiniteChecks } from '../../src/ops/assertFinite.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

describeEachBackend('inference refuses non-finite scores and predictions', () => {
  afterEach(() => {
    setFiniteChecks('auto');
  });

  it('threshold and argmax name probs (NaN was silently background / an arbitrary class), unchanged on finite input', async () => {
    const bad = tf.tensor4d([0.2, NaN, 0.7, 0.1, 0.5, 0.5, 0.9, 0.1], [1, 2, 2, 2]);
    await expectNoLeak(() => {
      expect(() => threshold(bad)).toThrow('threshold: probs holds 1 NaN value (of 8); expected finite numbers.');
      expect(() => argmax(bad)).toThrow('argmax: probs holds 1 NaN value (of 8); expected finite numbers.');
      expect(() => argmax(bad, { oneHot: true })).toThrow('argmax: probs holds 1 NaN value (of 8); expected finite numbers.');
    });
    const probs = tf.tensor4d([0.2, 0.8, 0.7, 0.3, 0.5, 0.5, 0.9, 0.1], [1, 2, 2, 2]);
    const mask = threshold(probs);
    const labels = argmax(probs);
    expect(Array.from(mask.dataSync())).toEqual([0, 1, 1, 0, 1, 1, 1, 0]);
    expect(Array.from(labels.dataSync())).toEqual([1, 0, 0, 0]);
    tf.dispose([bad, probs, mask, labels]);
  });

  it('predictVolume25D names the slices whose prediction was NaN, leaks nothing', async () => {
    const volume = tf.ones([1, 4, 4, 4, 1]);
    const nanAtSlice2 = (x: tf.Tensor) =>
      tf.tidy(() => tf.mul(tf.slice(x, [0, 0, 0, 1], [-1, -1, -1, 1]), tf.reshape(tf.tensor1d([1, 1, NaN, 1].slice(0, x.shape[0]!)), [-1, 1, 1, 1])));
    const before = tf.memory().numTensors;
    await expect(predictVolume25D(nanAtSlice2, volume, { k: 3, batchSize: 4 })).rejects.toThrow(
      /^predictVolume25D: predictor holds 16 NaN values \(of 64\); expected finite numbers\. This is its output for slices 0-3 along options\.axis/,
    );
    expect(tf.memory().numTensors).toBe(before);
    const ok = await expectNoLeak(() => predictVolume25D((x: tf.Tensor) => tf.slice(x, [0, 0, 0, 1], [-1, -1, -1, 1]), volume, { k: 3 }));
    expect(Array.from(ok.dataSync()).every((v) => v === 1)).toBe(true);
    tf.dispose([volume, ok]);
  });

  it('tiledPredict names the tile whose prediction was NaN, leaks nothing', async () => {
    const image = tf.ones([8, 8, 1]);
    const before = tf.memory().numTensors;
    await expect(tiledPredict((x: tf.Tensor) => tf.mul(x, NaN), image, { tileSize: 4, overlap: 0 })).rejects.toThrow(
      /^tiledPredict: predictor returned NaN for the window starting at \[0, 0\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
  });
});
