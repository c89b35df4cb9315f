import * as tf from '@tensorflow/tfjs-core';
import { afterEach, expect, it } from 'vitest';
import { affine } from '../../src/augment/affine.js';
import { brightness } from '../../src/augment/brightness.js';
import { contrast } from '../../src/augment/contrast.js';
import { cutmix } from '../../src/augment/cutmix.js';
import { elasticDeform } from '../../src/augment/elasticDeform.js';
import { flip } from '../../src/augment/flip.js';
import { foregroundCrop } from '../../src/augment/foregroundCrop.js';
import { gamma } from '../../src/augment/gamma.js';
import { gaussianBlur } from '../../src/augment/gaussianBlur.js';
import { gaussianNoise } from '../../src/augment/gaussianNoise.js';
import { mixup } from '../../src/augment/mixup.js';
import { defaultAugmentation } from '../../src/augment/presets.js';
import { randomCrop } from '../../src/augment/randomCrop.js';
import { rotate90 } from '../../src/augment/rotate90.js';
import { simulateLowResolution } from '../../src/augment/simulateLowResolution.js';
import type { Sample, Transform } from '../../src/augment/types.js';
import { createRng } from '../../src/core/rng.js';
import { setFiniteChecks } from '../../src/ops/assertFinite.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

// Every factory built on makeTransform, with options that make it act on an 8x8 batch.
const factories: Array<[string, () => Transform]> = [
  ['affine', () => affine({ rotation: [0.3, 0.3], seed: 1 })],
  ['brightness', () => brightness({ seed: 1 })],
  ['contrast', () => contrast({ seed: 1 })],
  ['cutmix', () => cutmix({ seed: 1 })],
  ['elasticDeform', () => elasticDeform({ seed: 1 })],
  ['flip', () => flip({ seed: 1 })],
  ['foregroundCrop', () => foregroundCrop([4, 4], { seed: 1 })],
  ['gamma', () => gamma({ seed: 1 })],
  ['gaussianBlur', () => gaussianBlur({ seed: 1 })],
  ['gaussianNoise', () => gaussianNoise({ seed: 1 })],
  ['mixup', () => mixup({ seed: 1 })],
  ['randomCrop', () => randomCrop([4, 4], { seed: 1 })],
  ['rotate90', () => rotate90({ seed: 1 })],
  ['simulateLowResolution', () => simulateLowResolution({ seed: 1 })],
];

function batch(nanAt?: number): tf.Tensor4D {
  const rng = createRng(3);
  const data = Float32Array.from({ length: 128 }, () => rng.next());
  if (nanAt !== undefined) data[nanAt] = NaN;
  return tf.tensor4d(data, [2, 8, 8, 1]);
}

function foreground(): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from({ length: 128 }, (_, i) => (i % 64 >= 18 && i % 64 < 22 ? 1 : 0)), [2, 8, 8, 1]);
}

describeEachBackend('transforms refuse non-finite samples (makeTransform)', () => {
  afterEach(() => {
    setFiniteChecks('auto');
  });

  it.each(factories)('%s names itself and sample.image for a NaN voxel, sample.mask for an infinite one, and leaks nothing', async (name, make) => {
    const image = batch(70);
    const okImage = batch();
    const mask = foreground();
    const badMask = tf.tidy(() => tf.where(tf.equal(tf.reshape(tf.range(0, 128), [2, 8, 8, 1]), 5), tf.fill([2, 8, 8, 1], Infinity), foreground()));
    const t = make();
    await expectNoLeak(() => {
      expect(() => t({ image, mask })).toThrow(`${name}: sample.image holds 1 NaN value (of 128); expected finite numbers.`);
      expect(() => t({ image: okImage, mask: badMask })).toThrow(`${name}: sample.mask holds 1 infinite value (of 128); expected finite numbers.`);
    });
    tf.dispose([image, okImage, mask, badMask]);
  });

  it.each(factories)('%s gives the same output for a finite sample with the check on and off', async (name, make) => {
    const image = batch();
    const mask = foreground();
    const run = (): Sample => make()({ image, mask });
    const checked = await expectNoLeak(run);
    setFiniteChecks(false);
    const unchecked = run();
    expect(checked.image.shape, name).toEqual(unchecked.image.shape);
    expect(Array.from(checked.image.dataSync())).toEqual(Array.from(unchecked.image.dataSync()));
    expect(Array.from(checked.mask!.dataSync())).toEqual(Array.from(unchecked.mask!.dataSync()));
    tf.dispose([image, mask, checked.image, checked.mask!, unchecked.image, unchecked.mask!]);
  });

  it('apply with given parameters, compose and the presets check too; integer masks are not read', async () => {
    const image = batch(3);
    const labels = tf.zeros([2, 8, 8, 1], 'int32');
    const t = flip({ seed: 1 });
    const params = t.draw(createRng(0), 2, { image });
    await expectNoLeak(() => {
      expect(() => t.apply({ image }, params)).toThrow('flip: sample.image holds 1 NaN value (of 128); expected finite numbers.');
      expect(() => defaultAugmentation({ seed: 1 })({ image, mask: labels })).toThrow(/: sample\.image holds 1 NaN value \(of 128\)/);
    });
    setFiniteChecks(false);
    const out = t.apply({ image }, params);
    expect(Array.from(out.image.dataSync()).filter(Number.isNaN)).toHaveLength(1);
    tf.dispose([image, labels, out.image]);
  });
});
