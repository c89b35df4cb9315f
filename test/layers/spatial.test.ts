import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { spatialLayers } from '../../src/layers/spatial.js';
import { UnetKitError } from '../../src/core/errors.js';

// Shape and config checks: one backend is enough.
beforeAll(async () => {
  await useBackend('cpu');
});

type Config = Record<string, unknown>;
const config = (layer: tfl.layers.Layer): Config => layer.getConfig() as Config;
const className = (layer: tfl.layers.Layer): string => (layer.constructor as unknown as { className: string }).className;

describe('spatialLayers', () => {
  it('returns one cached table per spatialDims', () => {
    expect(spatialLayers(2).spatialDims).toBe(2);
    expect(spatialLayers(3).spatialDims).toBe(3);
    expect(spatialLayers(2)).toBe(spatialLayers(2));
  });

  it('rejects spatialDims other than 2 and 3', () => {
    expect(() => spatialLayers(1 as never)).toThrow('spatialLayers: options.spatialDims is 1; expected 2 (images) or 3 (volumes).');
    expect(() => spatialLayers('3' as never)).toThrow(UnetKitError);
  });

  for (const dims of [2, 3] as const) {
    const L = spatialLayers(dims);
    const t = (v: number) => Array.from({ length: dims }, () => v);

    describe(`spatialDims ${dims}`, () => {
      it(`conv is Conv${dims}D with tuple sizes, same padding, bias and He init by default`, () => {
        const layer = L.conv({ filters: 8, kernelSize: 3, name: 'c' });
        expect(className(layer)).toBe(`Conv${dims}D`);
        const c = config(layer);
        expect(c).toMatchObject({ filters: 8, kernelSize: t(3), strides: t(1), padding: 'same', dilationRate: t(1), useBias: true, name: 'c' });
        expect((c.kernelInitializer as Config).className).toBe('VarianceScaling');
        expect((c.kernelInitializer as { config: Config }).config).toMatchObject({ scale: 2, mode: 'fanIn', distribution: 'normal' });
      });

      it('conv passes strides, padding, dilation, useBias and glorot init through', () => {
        const c = config(L.conv({ filters: 4, kernelSize: 1, strides: 2, padding: 'valid', useBias: false, kernelInitializer: 'glorotUniform', seed: 3 }));
        expect(c).toMatchObject({ filters: 4, kernelSize: t(1), strides: t(2), padding: 'valid', useBias: false });
        expect((c.kernelInitializer as { config: Config }).config).toMatchObject({ scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: 3 });
        expect(config(L.conv({ filters: 4, kernelSize: 3, dilationRate: 2 })).dilationRate).toEqual(t(2));
      });

      it('seeded convs initialize identical kernels', () => {
        const a = L.conv({ filters: 2, kernelSize: 3, seed: 11 });
        const b = L.conv({ filters: 2, kernelSize: 3, seed: 11 });
        const x = tf.ones([1, ...t(4), 1]);
        const ya = a.apply(x) as tf.Tensor;
        const yb = b.apply(x) as tf.Tensor;
        expect(Array.from(a.getWeights()[0]!.dataSync())).toEqual(Array.from(b.getWeights()[0]!.dataSync()));
        expect(Array.from(ya.dataSync())).toEqual(Array.from(yb.dataSync()));
        tf.dispose([x, ya, yb]);
        a.dispose();
        b.dispose();
      });

      it(`convTranspose is Conv${dims}DTranspose without dilation`, () => {
        const layer = L.convTranspose({ filters: 4, kernelSize: 2, strides: 2, name: 'up' });
        expect(className(layer)).toBe(`Conv${dims}DTranspose`);
        expect(config(layer)).toMatchObject({ filters: 4, kernelSize: t(2), strides: t(2), padding: 'same' });
        expect(() => L.convTranspose({ filters: 4, kernelSize: 2, dilationRate: 2 })).toThrow(
          `spatialLayers(${dims}).convTranspose: args.dilationRate is 2; expected 1 (tfjs transposed convolutions have no dilation).`,
        );
      });

      it(`maxPool / avgPool are MaxPooling${dims}D / AveragePooling${dims}D, strides default to the pool size`, () => {
        const max = L.maxPool({ poolSize: 2 });
        expect(className(max)).toBe(`MaxPooling${dims}D`);
        expect(config(max)).toMatchObject({ poolSize: t(2), strides: t(2), padding: 'valid' });
        const avg = L.avgPool({ poolSize: 3, strides: 1, padding: 'same' });
        expect(className(avg)).toBe(`AveragePooling${dims}D`);
        expect(config(avg)).toMatchObject({ poolSize: t(3), strides: t(1), padding: 'same' });
      });

      it(`upsample is UpSampling${dims}D with nearest or (bi/tri)linear interpolation`, () => {
        const nearest = L.upsample({ size: 2 });
        expect(className(nearest)).toBe(`UpSampling${dims}D`);
        expect(config(nearest).size).toEqual(t(2));
        const linear = config(L.upsample({ size: 3, interpolation: 'linear' }));
        expect(linear.size).toEqual(t(3));
        expect(linear.interpolation).toBe(dims === 2 ? 'bilinear' : 'linear');
        const x = tf.ones([1, ...t(2), 3]);
        const y = nearest.apply(x) as tf.Tensor;
        expect(y.shape).toEqual([1, ...t(4), 3]);
        tf.dispose([x, y]);
      });

      it(`globalAvgPool maps [N, ...spatial, C] to [N, C] (GlobalAveragePooling${dims}D)`, () => {
        const layer = L.globalAvgPool({ name: 'gap' });
        expect(className(layer)).toBe(`GlobalAveragePooling${dims}D`);
        expect(L.globalAvgPool().name).toMatch(/global_average_pooling/);
        const x = tf.ones([2, ...t(3), 5]);
        const y = layer.apply(x) as tf.Tensor;
        expect(y.shape).toEqual([2, 5]);
        tf.dispose([x, y]);
      });

      it('spatialDropout is Dropout with noise shape [null, 1.., null]: whole maps dropped', () => {
        const layer = L.spatialDropout({ rate: 0.5, seed: 1, name: 'sd' });
        expect(className(layer)).toBe('Dropout');
        expect(config(layer)).toMatchObject({ rate: 0.5, noiseShape: [null, ...t(1), null], seed: 1 });
        // In training, each (sample, channel) map is either all 0 or all 1 / (1 - rate) = 2.
        const x = tf.ones([2, ...t(4), 6]);
        const y = layer.apply(x, { training: true }) as tf.Tensor;
        const flat = (tf.reshape(y, [2, 4 ** dims, 6]).arraySync() as number[][][]);
        for (const sample of flat) {
          for (let c = 0; c < 6; c++) {
            const map = new Set(sample.map((row) => row[c]));
            expect(map.size).toBe(1);
            expect([0, 2]).toContain([...map][0]);
          }
        }
        tf.dispose([x, y]);
      });

      it('dropout is plain element-wise Dropout', () => {
        const layer = L.dropout({ rate: 0.25 });
        expect(className(layer)).toBe('Dropout');
        expect(config(layer)).toMatchObject({ rate: 0.25 });
        expect(config(layer).noiseShape ?? null).toBeNull();
      });

      it('rejects bad factory arguments naming the table method', () => {
        expect(() => L.conv({ filters: 0, kernelSize: 3 })).toThrow(`spatialLayers(${dims}).conv: args.filters is 0; expected an integer >= 1.`);
        expect(() => L.conv({ filters: 4, kernelSize: 3, padding: 'sam' as never })).toThrow(/args.padding is 'sam'; expected one of 'same', 'valid'\. Did you mean 'same'\?/);
        expect(() => L.conv({ filters: 4, kernelSize: 3, stride: 2 } as never)).toThrow(/args.stride is not a known option.*Did you mean 'strides'\?/);
        expect(() => L.maxPool({ poolSize: 0 })).toThrow(`spatialLayers(${dims}).maxPool: args.poolSize is 0; expected an integer >= 1.`);
        expect(() => L.upsample({ size: 2, interpolation: 'cubic' as never })).toThrow(/args.interpolation is 'cubic'; expected one of 'nearest', 'linear'/);
        expect(() => L.spatialDropout({ rate: 1 })).toThrow(`spatialLayers(${dims}).spatialDropout: args.rate is 1; expected a finite number >= 0 and < 1.`);
        expect(() => L.dropout({ rate: -0.1 })).toThrow(UnetKitError);
      });
    });
  }
});
