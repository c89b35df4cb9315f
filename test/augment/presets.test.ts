import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { defaultAugmentation, nnUNetAugmentation } from '../../src/augment/presets.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { flat, labelsOf, rampImage } from './helpers.js';

describeEachBackend('augmentation presets', () => {
  it('run on 2D and 3D batches, keep shapes, labels and finiteness, repeat with the seed', async () => {
    for (const [preset, shape] of [
      [nnUNetAugmentation({ spatialDims: 2 }), [4, 16, 16, 1]],
      [nnUNetAugmentation({ spatialDims: 3 }), [2, 8, 8, 8, 1]],
      [defaultAugmentation(), [4, 16, 16, 1]],
      [defaultAugmentation({ spatialDims: 3 }), [2, 8, 8, 8, 1]],
    ] as const) {
      const image = rampImage([...shape]);
      const mask = labelsOf(image);
      const a = await expectNoLeak(() => preset({ image, mask }, 5));
      const b = preset({ image, mask }, 5);
      expect(a.image.shape).toEqual(shape);
      expect(await flat(a.image)).toEqual(await flat(b.image));
      (await flat(a.image)).forEach((v) => expect(Number.isFinite(v)).toBe(true));
      (await flat(a.mask!)).forEach((v) => expect([0, 1, 2]).toContain(v));
      tf.dispose([image, mask, a.image, a.mask!, b.image, b.mask!]);
    }
  });

  it('rejects bad options', () => {
    expect(() => nnUNetAugmentation({ spatialDims: 4 as never })).toThrow(/nnUNetAugmentation: options.spatialDims is 4/);
    expect(() => defaultAugmentation({ sead: 1 } as never)).toThrow(/Did you mean 'seed'\?/);
  });
});
