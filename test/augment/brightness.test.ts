import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { brightness } from '../../src/augment/brightness.js';
import { createRng } from '../../src/core/rng.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { flat } from './helpers.js';

describeEachBackend('brightness', () => {
  it('multiplies or adds the per-sample factor', async () => {
    const image = tf.tensor4d([1, 2, 3, 4], [2, 1, 2, 1]);
    const mul = await expectNoLeak(() => brightness().apply({ image }, { factor: [2, 0.5] }));
    // [1, 2] * 2 = [2, 4]; [3, 4] * 0.5 = [1.5, 2].
    expectClose(await flat(mul.image), [2, 4, 1.5, 2], 1e-7);
    const add = brightness({ mode: 'add' }).apply({ image }, { factor: [0.1, -1] });
    expectClose(await flat(add.image), [1.1, 2.1, 2, 3], 1e-6);
    const params = brightness({ range: [0.9, 1.1] }).draw(createRng(1), 50, { image });
    params.factor.forEach((f) => expect(f >= 0.9 && f <= 1.1).toBe(true));
    expect(() => brightness({ mode: 'multipy' as never })).toThrow(/Did you mean 'multiply'\?/);
    tf.dispose([image, mul.image, add.image]);
  });
});
