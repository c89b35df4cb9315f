import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { compose } from '../../src/augment/compose.js';
import { flip } from '../../src/augment/flip.js';
import { gamma } from '../../src/augment/gamma.js';

describe('transform seeds', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('a bad per-call or factory seed is reported by the transform, not augment or createRng', () => {
    const image = tf.ones([1, 4, 4, 1]);
    expect(() => flip()({ image }, NaN)).toThrow('flip: seed is NaN; expected a finite number or an Rng.');
    expect(() => gamma()({ image }, { next: 1 } as never)).toThrow(/^gamma: seed is \{.*\}; expected a finite number or an Rng from createRng\./);
    expect(() => flip({ seed: Infinity })).toThrow('flip: options.seed is Infinity; expected a finite number.');
    expect(() => compose([flip()])({ image }, -Infinity)).toThrow(/^compose: seed is -Infinity/);
    // A good seed is reproducible.
    const a = flip()({ image: tf.reshape(tf.range(0, 16), [1, 4, 4, 1]) }, 3);
    const b = flip()({ image: tf.reshape(tf.range(0, 16), [1, 4, 4, 1]) }, 3);
    expect(Array.from(a.image.dataSync())).toEqual(Array.from(b.image.dataSync()));
    tf.dispose([image, a.image, b.image]);
  });
});
