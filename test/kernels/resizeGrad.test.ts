import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { randomInput } from './kernelHarness.js';

// A resize R is linear, so its gradient kernel G must be its adjoint: <dy, R(x)> = <G(dy), x>
// for all x and dy. The reference is tfjs' forward resize, independent of both gradient kernels
// (tfjs 4.22's cpu ResizeNearestNeighborGrad fails this for batch > 1, its ResizeBilinearGrad
// returns a transposed shape for non-square images).
describeEachBackend('resize gradients are the adjoints of the resizes', () => {
  const cases: Array<{ shape: [number, number, number, number]; size: [number, number]; alignCorners: boolean }> = [
    { shape: [3, 4, 5, 2], size: [8, 10], alignCorners: false },
    { shape: [2, 5, 3, 3], size: [10, 9], alignCorners: true },
    { shape: [1, 3, 3, 1], size: [7, 5], alignCorners: false },
    { shape: [3, 5, 7, 16], size: [10, 14], alignCorners: false },
  ];
  for (const kind of ['nearest', 'bilinear'] as const) {
    cases.forEach((c, i) => {
      it(`${kind} ${c.shape.join('x')} -> ${c.size.join('x')} alignCorners ${c.alignCorners}`, async () => {
        const x = tf.tensor4d(randomInput(c.shape, 90 + i).values, c.shape);
        const dy = tf.tensor4d(randomInput([c.shape[0], ...c.size, c.shape[3]], 95 + i).values, [c.shape[0], ...c.size, c.shape[3]]);
        const kernel = kind === 'nearest' ? 'ResizeNearestNeighborGrad' : 'ResizeBilinearGrad';
        const g = await expectNoLeak(() => tf.engine().runKernel(kernel, { images: x, dy }, { alignCorners: c.alignCorners }) as tf.Tensor);
        expect(g.shape).toEqual(c.shape);
        const y = kind === 'nearest' ? tf.image.resizeNearestNeighbor(x, c.size, c.alignCorners) : tf.image.resizeBilinear(x, c.size, c.alignCorners);
        const lhs = (await tf.sum(tf.mul(dy, y)).data())[0]!;
        const rhs = (await tf.sum(tf.mul(g, x)).data())[0]!;
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(lhs)));
        tf.dispose([x, dy, g, y]);
      });
    });
  }
});
