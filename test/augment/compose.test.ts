import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { affine } from '../../src/augment/affine.js';
import { brightness } from '../../src/augment/brightness.js';
import { compose } from '../../src/augment/compose.js';
import { flip } from '../../src/augment/flip.js';
import { randomCrop } from '../../src/augment/randomCrop.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { blobImage, flat, labelsOf, rampImage } from './helpers.js';

describeEachBackend('compose', () => {
  it('applies each step per sample with its probability, leaving the others untouched', async () => {
    const image = tf.ones([200, 1, 1, 1]);
    const out = await expectNoLeak(() => compose([[brightness({ mode: 'add', range: [1, 1] }), 0.3]], { seed: 1 })({ image }));
    const v = await flat(out.image);
    const changed = v.filter((x) => x === 2).length;
    expect(changed + v.filter((x) => x === 1).length).toBe(200);
    // Binomial(200, 0.3): mean 60, sd 6.5.
    expect(changed).toBeGreaterThan(35);
    expect(changed).toBeLessThan(85);
    tf.dispose([image, out.image]);
  });

  it('keeps sample order and pairing of image and mask when a subset is transformed', async () => {
    const image = blobImage(6, [32, 32]);
    const mask = labelsOf(image);
    const out = compose([[affine({ rotation: 30 }), 0.5], [flip(), 1]], { seed: 3 })({ image, mask });
    // The mask still equals the thresholded image wherever the image is clearly off the thresholds.
    const values = await flat(out.image);
    const labels = await flat(out.mask!);
    // Away from edges (2 voxels, where bilinear mixes in the fill) and from the thresholds.
    values.forEach((x, i) => {
      const [row, col] = [Math.floor(i / 32) % 32, i % 32];
      const interior = row >= 2 && row < 30 && col >= 2 && col < 30;
      if (interior && Math.abs(x - 0.35) > 0.08 && Math.abs(x - 0.7) > 0.08) expect(labels[i]).toBe((x > 0.35 ? 1 : 0) + (x > 0.7 ? 1 : 0));
    });
    tf.dispose([image, mask, out.image, out.mask!]);
  });

  it('same seed, same output; different seeds differ; no leaks', async () => {
    const image = rampImage([4, 8, 8, 8, 1]);
    const mask = labelsOf(image);
    const pipeline = compose([[affine(), 0.5], [flip(), 1], [brightness(), 0.5]]);
    const a = await expectNoLeak(() => pipeline({ image, mask }, 42));
    const b = pipeline({ image, mask }, 42);
    const c = pipeline({ image, mask }, 43);
    expect(await flat(a.image)).toEqual(await flat(b.image));
    expect(await flat(a.mask!)).toEqual(await flat(b.mask!));
    expect(await flat(a.image)).not.toEqual(await flat(c.image));
    tf.dispose([image, mask, a.image, a.mask!, b.image, b.mask!, c.image, c.mask!]);
  });

  it('runs crops with probability 1 and rejects them with probability < 1', async () => {
    const image = rampImage([2, 8, 8, 1]);
    const out = compose([randomCrop([4, 4]), [brightness({ range: [2, 2] }), 1]], { seed: 0 })({ image });
    expect(out.image.shape).toEqual([2, 4, 4, 1]);
    expectClose(Math.max(...(await flat(out.image))) <= 2 * Math.max(...(await flat(image))), true);
    expect(() => compose([[randomCrop([4, 4]), 0.5]], { seed: 1 })({ image: rampImage([8, 8, 8, 1]) })).toThrow(
      /compose: steps contain randomCrop with probability 0.5, but it changed the shape/,
    );
    tf.dispose([image, out.image]);
  });

  it('rejects probabilities outside [0, 1] and non-transforms', () => {
    expect(() => compose([[flip(), 1.2]])).toThrow(/compose: steps\[0\] probability is 1.2; expected a finite number >= 0 and <= 1/);
    expect(() => compose([[flip(), -0.5]])).toThrow(/steps\[0\] probability is -0.5/);
    expect(() => compose([(() => 1) as never])).toThrow(/compose: steps\[0\] is .*expected a transform/);
    expect(() => compose([])).toThrow(/compose: steps is \[\]; expected a non-empty array/);
  });
});
