import * as tf from '@tensorflow/tfjs-core';
import { afterEach, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { minMaxNormalize } from '../../src/data/normalize.js';
import { gamma } from '../../src/augment/gamma.js';
import { diceLoss } from '../../src/losses/dice.js';
import { crossEntropyLoss } from '../../src/losses/crossEntropy.js';
import { confusionStats } from '../../src/metrics/confusion.js';
import { assertFinite, finiteChecksOn, setFiniteChecks } from '../../src/ops/assertFinite.js';
import { slidingWindowInference } from '../../src/inference/slidingWindow.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

const withNaN = () => tf.tensor4d([0.2, NaN, 0.7, 0.1, 0.5, 0.5, 0.9, 0.1], [1, 2, 2, 2]);

describeEachBackend('assertFinite', () => {
  afterEach(() => {
    setFiniteChecks('auto');
  });

  it('counts NaN and infinite values in one read, leaves integer tensors unread, leaks nothing', async () => {
    expect(finiteChecksOn()).toBe(true); // cpu and wasm keep tensors in host memory
    const x = tf.tensor1d([1, NaN, Infinity, -Infinity, NaN]);
    await expectNoLeak(() => {
      expect(() => assertFinite('f', 'x', x)).toThrow('f: x holds 2 NaN and 2 infinite values (of 5); expected finite numbers.');
    });
    const ok = tf.tensor1d([1, 2]);
    await expectNoLeak(() => {
      assertFinite('f', 'x', ok);
    });
    setFiniteChecks(false);
    expect(() => assertFinite('f', 'x', x)).not.toThrow();
    expect(setFiniteChecks(true)).toBe(false);
    expect(() => setFiniteChecks('yes' as never)).toThrow("setFiniteChecks: mode is yes; expected true, false or 'auto'.");
    tf.dispose([x, ok]);
  });

  it('a sum past float32 range is not mistaken for a non-finite value; -0 and huge finite values pass', async () => {
    const ok = tf.tensor1d([3e38, 3e38, -0, -3e38, 1]);
    const bad = tf.tensor1d([3e38, -Infinity, 3e38]);
    await expectNoLeak(() => {
      assertFinite('f', 'x', ok);
      expect(() => assertFinite('f', 'x', bad)).toThrow('f: x holds 1 infinite value (of 3); expected finite numbers.');
    });
    tf.dispose([ok, bad]);
  });

  it('losses, confusionStats, minMaxNormalize and gamma refuse NaN inputs by name instead of returning NaN or a wrong score', async () => {
    const pred = withNaN();
    const labels = tf.tensor3d([1, 0, 1, 0], [1, 2, 2], 'int32');
    await expectNoLeak(() => {
      expect(() => tf.tidy(() => diceLoss()(labels, pred))).toThrow(/^diceLoss: yPred holds 1 NaN value \(of 8\); expected finite numbers. A NaN prediction during fit usually means training diverged/);
    });
    expect(() => tf.tidy(() => crossEntropyLoss()(labels, pred))).toThrow(UnetKitError);
    // The silent wrong value of before: NaN scores counted as background.
    await expectNoLeak(() => {
      expect(() => confusionStats(pred, labels)).toThrow('confusionStats: pred holds 1 NaN value (of 8); expected finite numbers.');
    });
    await expectNoLeak(() => {
      expect(() => minMaxNormalize(pred)).toThrow('minMaxNormalize: x holds 1 NaN value (of 8); expected finite numbers.');
    });
    await expectNoLeak(() => {
      expect(() => gamma({ seed: 1 })({ image: pred })).toThrow('gamma: sample.image holds 1 NaN value (of 8); expected finite numbers.');
    });
    // Finite inputs still give finite numbers: dice of a perfect prediction is 0 loss.
    const perfect = tf.tensor4d([0, 1, 1, 0, 0, 1, 1, 0], [1, 2, 2, 2]);
    const loss = tf.tidy(() => diceLoss({ activation: 'none' })(labels, perfect));
    expect(loss.dataSync()[0]).toBeCloseTo(0, 6);
    tf.dispose([pred, labels, perfect, loss]);
  });

  it('slidingWindowInference names the window where the predictor returned NaN', async () => {
    const image = tf.ones([1, 8, 8, 1]);
    const predictor = (x: tf.Tensor) => tf.mul(x, 1);
    const ok = await expectNoLeak(() => slidingWindowInference(predictor, image, { roiSize: [4, 4], overlap: 0 }));
    expect(Array.from(ok.dataSync()).every((v) => v === 1)).toBe(true);
    ok.dispose();
    const nanPredictor = (x: tf.Tensor) => tf.tidy(() => tf.mul(x, NaN));
    const before = tf.memory().numTensors;
    await expect(slidingWindowInference(nanPredictor, image, { roiSize: [4, 4], overlap: 0 })).rejects.toThrow(
      /^slidingWindowInference: predictor returned NaN for the window starting at \[0, 0\] of sample 0; expected finite outputs/,
    );
    expect(tf.memory().numTensors).toBe(before);
    image.dispose();
  });
});
