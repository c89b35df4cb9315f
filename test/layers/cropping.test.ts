import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { cropping2d, cropping3d } from '../../src/layers/cropping.js';
import { spatialLayers } from '../../src/layers/spatial.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { convThen, expectExactRoundTrips, expectFiniteDifferenceGradients, randomTensor } from './layerChecks.js';

describeEachBackend('Cropping2D and Cropping3D', () => {
  it('keep exactly the centre rows, columns and slices asked for', () => {
    // 1 x 4 x 5 x 1 holding 0..19 row-major; cropping rows [1, 2] and columns [2, 1] keeps row 1,
    // columns 2 and 3: values 7 and 8.
    const x = tf.tensor4d(Array.from({ length: 20 }, (_, i) => i), [1, 4, 5, 1]);
    const y = tf.tidy(() => Array.from((cropping2d({ cropping: [[1, 2], [2, 1]] }).apply(x) as tf.Tensor).dataSync()));
    expect(y).toEqual([7, 8]);
    // 1 x 3 x 3 x 3 x 2 holding 0..53; cropping 1 everywhere keeps voxel (1, 1, 1): values 26, 27.
    const v = tf.tensor5d(Array.from({ length: 54 }, (_, i) => i), [1, 3, 3, 3, 2]);
    const w = tf.tidy(() => Array.from((cropping3d({ cropping: 1 }).apply(v) as tf.Tensor).dataSync()));
    expect(w).toEqual([26, 27]);
    tf.dispose([x, v]);
  });

  it('map shapes symbolically and keep null sizes null (tfjs 4.22 gives negative sizes)', () => {
    expect((cropping2d({ cropping: [3, 1] }).apply(tfl.input({ shape: [10, null, 4] })) as tfl.SymbolicTensor).shape).toEqual([null, 4, null, 4]);
    expect((cropping3d({ cropping: [1, 2, 3] }).apply(tfl.input({ shape: [8, 8, 8, 2] })) as tfl.SymbolicTensor).shape).toEqual([null, 6, 4, 2, 2]);
    const stock = tfl.layers.cropping2D({ cropping: [[2, 2], [2, 2]] }).apply(tfl.input({ shape: [null, 10, 1] })) as tfl.SymbolicTensor;
    expect(stock.shape[1], 'the stock layer still computes null - 4').toBe(-4);
  });

  it('have gradients matching finite differences (1 inside the kept region, 0 outside)', async () => {
    const x = randomTensor([1, 4, 3, 3, 2], 1);
    await expectFiniteDifferenceGradients((input) => cropping3d({ cropping: [[1, 0], [0, 1], [1, 1]] }).apply(input) as tf.Tensor, x);
    x.dispose();
  });

  it('round-trip exactly under their Keras class names and config keys', async () => {
    for (const [layer, shape] of [
      [cropping2d({ cropping: [[1, 0], [2, 1]], name: 'crop' }), [6, 6, 1]],
      [cropping3d({ cropping: 1, name: 'crop' }), [4, 4, 4, 1]],
    ] as const) {
      const model = convThen(layer, [...shape], 2);
      const x = randomTensor([1, ...shape], 2);
      const layers = await expectExactRoundTrips(model, x);
      const saved = layers.find((l) => l.config.name === 'crop')!;
      expect(saved.class_name).toBe(shape.length === 3 ? 'Cropping2D' : 'Cropping3D');
      expect(Object.keys(saved.config).sort()).toEqual(['cropping', 'data_format', 'name', 'trainable']);
      x.dispose();
      model.dispose();
    }
  });

  it('leak no tensors', async () => {
    const x = randomTensor([1, 4, 4, 4, 1], 3);
    await expectNoLeakRead(() => spatialLayers(3).crop({ cropping: 1 }).apply(x) as tf.Tensor);
    x.dispose();
  });
});

describe('Cropping arguments', () => {
  it('reject bad croppings, wrong ranks, over-cropping and channels-first with UnetKitError', () => {
    expect(() => cropping2d({ cropping: -1 })).toThrow("Cropping2D: args.cropping is -1; expected a non-negative integer, 2 of them, or 2 [before, after] pairs.");
    expect(() => cropping3d({ cropping: [1, 2] })).toThrow(/Cropping3D: args.cropping is \[1, 2\]/);
    expect(() => cropping2d({ cropping: [[1, 2], [1]] as never })).toThrow(/args.cropping/);
    expect(() => cropping2d({ dataFormat: 'channelsFirst' })).toThrow(/args.dataFormat is 'channelsFirst'/);
    expect(() => cropping3d().apply(tfl.input({ shape: [4, 4, 1] }))).toThrow(/Cropping3D: input has shape \[null, 4, 4, 1\] \(rank 4\); expected rank 5/);
    expect(() => cropping2d({ cropping: 2 }).apply(tfl.input({ shape: [4, 6, 1] }))).toThrow(
      'Cropping2D: input has shape [null, 4, 6, 1]; axis 1 (size 4) must be larger than its cropping 2 + 2.',
    );
    expect(() => spatialLayers(2).crop({ cropping: 1, size: 3 } as never)).toThrow(/args.size is not a known option/);
  });
});
