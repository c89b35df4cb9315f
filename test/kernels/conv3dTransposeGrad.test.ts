import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { randomInput } from './kernelHarness.js';

interface Case {
  inShape: [number, number, number, number, number];
  filter: [number, number, number, number, number];
  outShape: [number, number, number, number, number];
  stride: number;
  pad: 'same' | 'valid';
}

// conv3dTranspose(dy [N, D, H, W, Co], filter [KD, KH, KW, Ci, Co]) -> [N, D', H', W', Ci].
const CASES: Case[] = [
  { inShape: [1, 2, 2, 2, 3], filter: [2, 2, 2, 2, 3], outShape: [1, 4, 4, 4, 2], stride: 2, pad: 'same' },
  { inShape: [3, 3, 2, 3, 1], filter: [3, 3, 3, 3, 1], outShape: [3, 3, 2, 3, 3], stride: 1, pad: 'same' },
  { inShape: [1, 2, 3, 2, 2], filter: [3, 3, 3, 1, 2], outShape: [1, 5, 7, 5, 1], stride: 2, pad: 'valid' },
];

/** L(dy, W) = sum(r * conv3dTranspose(dy, W)): a linear function of each argument. */
function loss(dy: tf.Tensor5D, w: tf.Tensor5D, r: tf.Tensor, c: Case): tf.Scalar {
  return tf.sum(tf.mul(r, tf.conv3dTranspose(dy, w, c.outShape, c.stride, c.pad)));
}

describeEachBackend('gradient of Conv3DBackpropInputV2 (conv3dTranspose)', () => {
  CASES.forEach((c, i) => {
    it(`matches central finite differences: ${c.inShape.join('x')} k${c.filter.slice(0, 3).join('x')} s${c.stride} ${c.pad}`, async () => {
      const dyV = randomInput(c.inShape, 60 + i);
      const wV = randomInput(c.filter, 70 + i);
      const rV = randomInput(c.outShape, 80 + i);
      const dy = tf.tensor5d(dyV.values, c.inShape);
      const w = tf.tensor5d(wV.values, c.filter);
      const r = tf.tensor(rV.values, c.outShape);
      const [gDy, gW] = await expectNoLeak(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a as tf.Tensor5D, b as tf.Tensor5D, r, c))([dy, w]));
      expect(gDy!.shape).toEqual(c.inShape);
      expect(gW!.shape).toEqual(c.filter);
      const gDyV = await gDy!.data();
      const gWV = await gW!.data();
      // L is linear in each argument, so a unit step gives the derivative up to float32 rounding
      // of L: (L(x + e_j) - L(x - e_j)) / 2.
      const fd = (which: 0 | 1, j: number): number =>
        tf.tidy(() => {
          const base = which === 0 ? dyV : wV;
          const plus = base.values.slice();
          const minus = base.values.slice();
          plus[j]! += 1;
          minus[j]! -= 1;
          const at = (v: Float32Array) => {
            const a = which === 0 ? tf.tensor5d(v, c.inShape) : dy;
            const b = which === 1 ? tf.tensor5d(v, c.filter) : w;
            return loss(a, b, r, c).dataSync()[0]!;
          };
          return (at(plus) - at(minus)) / 2;
        });
      for (let k = 0; k < 6; k++) {
        const j = Math.floor(((k + 0.5) / 6) * gDyV.length);
        const expected = fd(0, j);
        expect(Math.abs(gDyV[j]! - expected), `d/d dy[${j}]: ${gDyV[j]} vs ${expected}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(expected)));
        const jw = Math.floor(((k + 0.5) / 6) * gWV.length);
        const expectedW = fd(1, jw);
        expect(Math.abs(gWV[jw]! - expectedW), `d/dW[${jw}]: ${gWV[jw]} vs ${expectedW}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(expectedW)));
      }
      tf.dispose([dy, w, r, gDy!, gW!]);
    });
  });
});
