import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { ctWindow } from '../../src/data/ctWindow.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';

describeEachBackend('ctWindow', () => {
  it('clips to the window and maps it to [0, 1]', async () => {
    const hu = tf.tensor1d([-1000, 0, 40, 60, 80, 3000]);
    // brain: centre 40, width 80 -> [0, 80]: -1000 -> 0, 0 -> 0, 40 -> 0.5, 60 -> 0.75, 80 -> 1, 3000 -> 1.
    const y = await expectNoLeak(() => ctWindow(hu, 'brain'));
    expectClose(Array.from(await y.data()), [0, 0, 0.5, 0.75, 1, 1], 1e-6);
    // lung: centre -600, width 1500 -> [-1350, 150]: -1000 -> 350 / 1500.
    const lung = ctWindow(hu, { center: -600, width: 1500 });
    expectClose((await lung.data())[0], 350 / 1500, 1e-6);
    expect(() => ctWindow(hu, 'lungs' as never)).toThrow(/ctWindow: window is 'lungs'; expected one of .* Did you mean 'lung'\?/);
    expect(() => ctWindow(hu, { center: 0, width: 0 })).toThrow(/ctWindow: window.width is 0/);
    tf.dispose([hu, y, lung]);
  });
});
