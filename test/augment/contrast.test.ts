import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { contrast } from '../../src/augment/contrast.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { flat } from './helpers.js';

describeEachBackend('contrast', () => {
  it('scales around the mean, clipping to the original range', async () => {
    // [0, 1, 2, 5]: mean 2. f = 2: [-2, 0, 2, 8] -> clipped to [0, 5]: [0, 0, 2, 5].
    const image = tf.tensor4d([0, 1, 2, 5], [1, 2, 2, 1]);
    const out = await expectNoLeak(() => contrast().apply({ image }, { factor: [2] }));
    expectClose(await flat(out.image), [0, 0, 2, 5], 1e-6);
    // f = 0.5 without clipping: [1, 1.5, 2, 3.5].
    const soft = contrast({ preserveRange: false }).apply({ image }, { factor: [0.5] });
    expectClose(await flat(soft.image), [1, 1.5, 2, 3.5], 1e-6);
    expect(() => contrast({ range: [-1, 1] })).toThrow(/contrast: options.range\[0\] is -1/);
    tf.dispose([image, out.image, soft.image]);
  });
});
