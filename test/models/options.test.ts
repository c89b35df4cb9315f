import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { UnetKitError } from '../../src/core/errors.js';
import { attentionUNet } from '../../src/models/attentionUNet.js';
import { denseUNet } from '../../src/models/denseUNet.js';
import { mobileUNet } from '../../src/models/mobileUNet.js';
import type { UNetOptions } from '../../src/models/options.js';
import { r2UNet } from '../../src/models/r2UNet.js';
import { resUNet } from '../../src/models/resUNet.js';
import { unet } from '../../src/models/unet.js';
import { unetPlusPlus } from '../../src/models/unetPlusPlus.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { predictArrays, randomInput } from './harness.js';

const FACTORIES = { unet, resUNet, attentionUNet, unetPlusPlus, denseUNet, mobileUNet, r2UNet } as const;
const base: UNetOptions = { inputShape: [16, 16, 1], numClasses: 2, filters: [2, 4, 8] };

/** Runs `build` and returns the UnetKitError it throws (failing when it throws nothing or another error). */
function errorOf(build: () => unknown): UnetKitError {
  try {
    build();
  } catch (e) {
    expect(e).toBeInstanceOf(UnetKitError);
    return e as UnetKitError;
  }
  throw new Error('expected a UnetKitError');
}

describe('factory options: one clear UnetKitError per bad option', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  for (const [name, factory] of Object.entries(FACTORIES)) {
    describe(name, () => {
      it('names an unknown norm and suggests the closest', () => {
        const e = errorOf(() => factory({ ...base, norm: 'bach' as never }));
        expect(e.message).toBe(`${name}: options.norm is 'bach'; expected one of 'batch', 'instance', 'group', 'layer', 'none'. Did you mean 'batch'?`);
      });

      it('rejects empty filters, numClasses < 1 and spatialDims 4', () => {
        expect(errorOf(() => factory({ ...base, filters: [] })).message).toMatch(`${name}: options.filters is []; expected a non-empty array`);
        expect(errorOf(() => factory({ ...base, numClasses: 0 })).message).toBe(`${name}: options.numClasses is 0; expected an integer >= 1.`);
        expect(errorOf(() => factory({ ...base, spatialDims: 4 as never })).message).toBe(
          `${name}: options.spatialDims is 4; expected 2 (images) or 3 (volumes).`,
        );
      });

      it('names the nearest valid sizes and padToMultiple for a size not divisible by 2^depth', () => {
        // Default filters: 5 levels, 4 poolings, sizes must be multiples of 16: 100 -> 96 or 112.
        const e = errorOf(() => factory({ inputShape: [100, 96, 1], numClasses: 2 }));
        expect(e.argument).toBe('options.inputShape');
        expect(e.message).toContain('spatial size 100 (axis 0) must be divisible by 16');
        expect(e.message).toContain('nearest valid: 96 or 112');
        expect(e.message).toContain("padToMultiple(x, 16) from 'unet-kit/data'");
      });
    });
  }

  it('rejects misspelt options, wrong input ranks, softmax with one class and mean outputs outside unetPlusPlus', () => {
    expect(errorOf(() => unet({ ...base, filter: [2, 4] } as never)).message).toMatch(/options\.filter is not a known option.*Did you mean 'filters'\?/);
    expect(errorOf(() => unet({ ...base, spatialDims: 3 })).message).toMatch(/options\.inputShape is \[16, 16, 1\]; expected \[D, H, W, C\]/);
    expect(errorOf(() => unet({ ...base, inputShape: [16, 16, null] })).message).toMatch(/with a known channel count/);
    expect(errorOf(() => unet({ ...base, numClasses: 1, finalActivation: 'softmax' })).message).toMatch(/outputs 1 everywhere/);
    expect(errorOf(() => unet({ ...base, deepSupervision: 'mean' })).message).toMatch(/only unetPlusPlus offers/);
    expect(errorOf(() => unet({ ...base, filters: [8] })).message).toMatch(/at least 2 levels/);
    expect(errorOf(() => unet({ ...base, dropout: [0.1, 0.2] })).message).toMatch(/options\.dropout is \[0\.1, 0\.2\]; expected an array of 3 numbers/);
    expect(errorOf(() => unet({ ...base, upsampling: 'bilinar' as never })).message).toMatch(/Did you mean 'bilinear'\?/);
    expect(errorOf(() => unet({ ...base, activation: 'leakyRelU' as never })).message).toMatch(/options\.activation is 'leakyRelU'.*Did you mean 'leakyRelu'\?/);
    expect(errorOf(() => unet(undefined as never)).message).toMatch(/^unet: options is undefined; expected an options object/);
  });

  it('builds nothing when an option is bad (no half-built model, no tensors)', async () => {
    await expectNoLeak(() => {
      errorOf(() => unet({ ...base, convsPerLevel: 0 }));
    });
  });
});

describe('factory options: behaviour', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('null spatial sizes accept any valid size at run time', async () => {
    const model = unet({ ...base, inputShape: [null, null, 1], seed: 1 });
    expect(model.outputs[0]!.shape).toEqual([null, null, null, 2]);
    for (const size of [8, 24]) {
      const x = randomInput([1, size, size, 1]);
      const [y] = await predictArrays(model, x);
      expect(y!.length).toBe(size * size * 2);
      x.dispose();
    }
    model.dispose();
  });

  it('one class gives a sigmoid output in (0, 1); finalActivation none gives the logits', async () => {
    const x = randomInput([1, 16, 16, 1]);
    const sigmoid = unet({ ...base, numClasses: 1, seed: 2 });
    const logits = unet({ ...base, numClasses: 1, seed: 2, finalActivation: 'none' });
    expect(sigmoid.layers[sigmoid.layers.length - 1]!.name).toBe('head_act');
    expect(logits.layers[logits.layers.length - 1]!.name).toBe('head_conv');
    const [p] = await predictArrays(sigmoid, x);
    const [z] = await predictArrays(logits, x);
    // Same seed, same weights: p = 1 / (1 + exp(-z)).
    p!.forEach((v, i) => expect(Math.abs(v - 1 / (1 + Math.exp(-z![i]!)))).toBeLessThan(1e-6));
    sigmoid.dispose();
    logits.dispose();
    x.dispose();
  });

  it('deepSupervision gives one output per decoder level, highest resolution first', () => {
    const model = unet({ ...base, deepSupervision: true });
    expect(model.outputs.map((o) => o.shape)).toEqual([
      [null, 16, 16, 2],
      [null, 8, 8, 2],
    ]);
    expect(model.outputNames).toEqual(['head_act', 'head_ds1_act']);
    model.dispose();
  });

  it('useBias false removes every block bias and the up-sampling convs\' (the head keeps its own)', () => {
    const withBias = unet({ ...base, norm: 'none' });
    const without = unet({ ...base, norm: 'none', useBias: false });
    // Block convs: enc0 2 + 2, enc1 4 + 4, bottleneck 8 + 8, dec1 4 + 4, dec0 2 + 2 = 40 biases;
    // up-convs (4 + 2 biases) follow the option too; the head (2) always has one.
    expect(withBias.countParams() - without.countParams()).toBe(40 + 6);
    withBias.dispose();
    without.dispose();
  });

  it('group norm clamps its groups to a divisor of each level width; seeds make models repeatable', async () => {
    const x = randomInput([1, 16, 16, 1]);
    const a = unet({ ...base, norm: { type: 'group', groups: 4 }, seed: 3 });
    const b = unet({ ...base, norm: { type: 'group', groups: 4 }, seed: 3 });
    expect(await predictArrays(a, x)).toEqual(await predictArrays(b, x));
    a.dispose();
    b.dispose();
    tf.dispose(x);
  });
});
