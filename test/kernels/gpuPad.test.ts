import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { gpuPadKernel } from '../../src/kernels/common/gpuPad.js';

// The kernel runs on webgl and webgpu (test/browser/factories.test.ts checks a rank-5 tf.pad and
// tf.mirrorPad there); here its axis-by-axis padding is checked on cpu, whose stock pads take any
// rank, against tfjs' own result and against values worked out by hand.
describe('gpuPadKernel', () => {
  const run = (name: typeof tf.PadV2 | typeof tf.MirrorPad, x: tf.Tensor, attrs: object): tf.Tensor => {
    const info = gpuPadKernel(name, 'cpu')({ inputs: { x }, backend: tf.backend(), attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
    return tf.engine().makeTensorFromTensorInfo(info);
  };

  it('pads a rank-5 volume with a constant as tf.pad does, by hand on one axis, leaking nothing', async () => {
    await useBackend('cpu');
    const x = tf.reshape(tf.range(1, 13), [1, 2, 3, 2, 1]);
    const paddings: Array<[number, number]> = [[0, 0], [1, 0], [0, 2], [1, 1], [0, 0]];
    const before = tf.memory().numTensors;
    const y = run(tf.PadV2, x, { paddings, constantValue: -5 });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(y.shape).toEqual([1, 3, 5, 4, 1]);
    const expected = tf.pad(x, paddings, -5);
    expect(Array.from(await y.data())).toEqual(Array.from(await expected.data()));
    // Depth slice 1 (the first of x), row 0: [-5, 1, 2, -5]; depth slice 0 is all the constant.
    const values = Array.from(await y.data());
    expect(values.slice(20, 24)).toEqual([-5, 1, 2, -5]);
    expect(values.slice(0, 20)).toEqual(new Array<number>(20).fill(-5));
    tf.dispose([x, y, expected]);
  });

  it('mirror-pads at rank 5 and 6 (reflect and symmetric) as tf.mirrorPad does', async () => {
    await useBackend('cpu');
    for (const [shape, paddings] of [
      [[1, 3, 3, 4, 2], [[0, 0], [2, 1], [1, 2], [0, 3], [0, 0]]],
      [[2, 2, 3, 2, 3, 1], [[0, 0], [1, 1], [0, 2], [1, 0], [2, 2], [0, 0]]],
    ] as Array<[number[], Array<[number, number]>]>) {
      const x = tf.reshape(tf.range(0, shape.reduce((a, b) => a * b, 1)), shape);
      for (const mode of ['reflect', 'symmetric'] as const) {
        const ok = paddings.every(([b, a], i) => Math.max(b, a) <= shape[i]! - (mode === 'reflect' ? 1 : 0));
        if (!ok) continue;
        const y = run(tf.MirrorPad, x, { paddings, mode });
        const expected = tf.mirrorPad(x, paddings, mode);
        expect(y.shape, `${mode} ${shape}`).toEqual(expected.shape);
        expect(Array.from(await y.data()), `${mode} ${shape}`).toEqual(Array.from(await expected.data()));
        tf.dispose([y, expected]);
      }
      x.dispose();
    }
    // By hand, reflect along one axis of [0, 1, 2] by (2, 1): [2, 1, 0, 1, 2, 1].
    const x = tf.reshape(tf.range(0, 3), [1, 1, 1, 3, 1]);
    const y = run(tf.MirrorPad, x, { paddings: [[0, 0], [0, 0], [0, 0], [2, 1], [0, 0]], mode: 'reflect' });
    expect(Array.from(await y.data())).toEqual([2, 1, 0, 1, 2, 1]);
    tf.dispose([x, y]);
  });

  it('returns a tensor of its own where nothing is padded, and leaves rank 4 to the stock kernel', async () => {
    await useBackend('cpu');
    const x = tf.reshape(tf.range(0, 8), [1, 2, 2, 2, 1]);
    const y = run(tf.PadV2, x, { paddings: [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]], constantValue: 0 });
    x.dispose();
    expect(Array.from(await y.data())).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    y.dispose();
    const four = tf.ones([1, 2, 2, 1]);
    const padded = run(tf.PadV2, four, { paddings: [[0, 0], [1, 0], [0, 0], [0, 0]], constantValue: 3 });
    expect(Array.from(await padded.data())).toEqual([3, 3, 1, 1, 1, 1]);
    tf.dispose([four, padded]);
  });
});
