import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { createActivation, createNorm } from '../../src/layers/normAct.js';
import { resolveActivation, resolveNorm } from '../../src/layers/normActOptions.js';
import { GroupNormalization } from '../../src/layers/groupNormalization.js';
import { InstanceNormalization } from '../../src/layers/instanceNormalization.js';
import { UnetKitError } from '../../src/core/errors.js';

// Shape and config checks: one backend is enough.
beforeAll(async () => {
  await useBackend('cpu');
});

type Config = Record<string, unknown>;
const className = (layer: tfl.layers.Layer | null): string => (layer!.constructor as unknown as { className: string }).className;
const config = (layer: tfl.layers.Layer | null): Config => layer!.getConfig() as Config;

describe('createNorm', () => {
  it('builds the layer of each type with the resolved options', () => {
    const batch = createNorm(resolveNorm({ type: 'batch', momentum: 0.9, epsilon: 1e-4 }, 'f'), 16, 'bn');
    expect(className(batch)).toBe('BatchNormalization');
    expect(config(batch)).toMatchObject({ axis: -1, momentum: 0.9, epsilon: 1e-4, name: 'bn' });

    const instance = createNorm(resolveNorm({ type: 'instance', affine: false }, 'f'), 16, 'in');
    expect(instance).toBeInstanceOf(InstanceNormalization);
    expect(config(instance)).toMatchObject({ epsilon: 1e-5, center: false, scale: false, name: 'in' });

    const layer = createNorm(resolveNorm('layer', 'f'), 16);
    expect(className(layer)).toBe('LayerNormalization');
    expect(config(layer)).toMatchObject({ axis: -1, epsilon: 1e-3 });

    expect(createNorm(resolveNorm('none', 'f'), 16)).toBeNull();
  });

  it('clamps the group count to the largest divisor of the channels not above the request', () => {
    const groups = (requested: number, channels: number) =>
      (createNorm(resolveNorm({ type: 'group', groups: requested }, 'f'), channels) as GroupNormalization).groups;
    expect(groups(8, 32)).toBe(8);
    expect(groups(8, 4)).toBe(4); // fewer channels than groups
    expect(groups(8, 12)).toBe(6); // 8, 7 do not divide 12; 6 does
    expect(groups(8, 7)).toBe(7);
    expect(groups(4, 9)).toBe(3);
    expect(groups(8, 1)).toBe(1);
    const layer = createNorm(resolveNorm({ type: 'group', affine: false }, 'f'), 16, 'gn');
    expect(config(layer)).toMatchObject({ groups: 8, center: false, scale: false, epsilon: 1e-5, name: 'gn' });
  });

  it('rejects a channel count that is not a positive integer', () => {
    expect(() => createNorm(resolveNorm('group', 'f'), 0)).toThrow('createNorm: channels is 0; expected an integer >= 1.');
    expect(() => createNorm(resolveNorm('batch', 'f'), 2.5)).toThrow(UnetKitError);
  });
});

describe('createActivation', () => {
  it('builds stock Keras layers for each activation', () => {
    expect(className(createActivation(resolveActivation('relu', 'f'), 2))).toBe('ReLU');
    const leaky = createActivation(resolveActivation('leakyRelu', 'f'), 2, 'act');
    expect(className(leaky)).toBe('LeakyReLU');
    expect(config(leaky)).toMatchObject({ alpha: 0.01, name: 'act' });
    expect(className(createActivation(resolveActivation('elu', 'f'), 2))).toBe('ELU');
    expect(className(createActivation(resolveActivation('prelu', 'f'), 2))).toBe('PReLU');
    expect(config(createActivation(resolveActivation('softmax', 'f'), 2))).toMatchObject({ axis: -1 });
    for (const type of ['gelu', 'swish', 'relu6', 'sigmoid', 'tanh'] as const) {
      const layer = createActivation(resolveActivation(type, 'f'), 2);
      expect(className(layer)).toBe('Activation');
      expect(config(layer).activation).toBe(type);
    }
    expect(createActivation(resolveActivation('none', 'f'), 2)).toBeNull();
  });

  it('computes the right values: leaky slope 0.01, prelu 0.25 initially, softmax over channels', () => {
    const x = tf.tensor4d([-2, 3, -1, 0], [1, 1, 2, 2]);
    const read = (type: Parameters<typeof resolveActivation>[0]) => {
      const y = createActivation(resolveActivation(type, 'f'), 2)!.apply(x) as tf.Tensor;
      const values = Array.from(y.dataSync());
      y.dispose();
      return values;
    };
    expect(read('leakyRelu')).toEqual([-0.02, 3, -0.01, 0].map(Math.fround));
    expect(read('prelu')).toEqual([-0.5, 3, -0.25, 0]);
    const softmax = read('softmax'); // rows [-2, 3] and [-1, 0]: e^-5 / (1 + e^-5) ...
    expect(softmax[0]).toBeCloseTo(1 / (1 + Math.exp(5)), 6);
    expect(softmax[2]).toBeCloseTo(1 / (1 + Math.exp(1)), 6);
    x.dispose();
  });

  it('with spatialDims, prelu learns one slope per channel (alpha shape [1, .., C])', () => {
    for (const dims of [2, 3] as const) {
      const layer = createActivation(resolveActivation('prelu', 'f'), dims, 'p')!;
      layer.build([null, ...Array.from({ length: dims }, () => 8), 4]);
      expect(layer.getWeights()[0]!.shape).toEqual([...Array.from({ length: dims }, () => 1), 4]);
      expect(config(layer).sharedAxes).toEqual(dims === 2 ? [1, 2] : [1, 2, 3]);
    }
    expect(() => createActivation(resolveActivation('prelu', 'f'), 4 as never, 'p')).toThrow(UnetKitError);
  });
});
