import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import * as models from '../../src/models/index.js';
import type { UNetOptions } from '../../src/models/options.js';
import { describeEachBackend } from '../helpers/backends.js';
import type { Factory } from './factoryHarness.js';
import { expectFinite, randomInput } from './harness.js';

// `activation: 'prelu'` must give one learned slope per channel in every factory: Keras' default
// of one slope per position tied the model to its input size (a raw tfjs error with `null`
// sizes, and orphan weights) and learned a slope per pixel with fixed ones.

const FACTORIES: Record<string, Factory> = {
  unet: models.unet,
  resUNet: models.resUNet,
  attentionUNet: models.attentionUNet,
  unetPlusPlus: models.unetPlusPlus,
  denseUNet: models.denseUNet,
  mobileUNet: models.mobileUNet,
  r2UNet: models.r2UNet,
  fusionUNet: models.fusionUNet,
};

/** A spatial configuration: the input's spatial sizes (null for any) and the sizes run through it. */
interface Case {
  title: string;
  spatialDims: 2 | 3;
  sizes: ReadonlyArray<number | null>;
  runs: number[][];
}

// filters [2, 4]: one down-sampling, so every run size only has to be even.
const CASES: Case[] = [
  { title: '2D 16x16', spatialDims: 2, sizes: [16, 16], runs: [[16, 16]] },
  { title: '2D null sizes', spatialDims: 2, sizes: [null, null], runs: [[8, 12], [6, 10]] },
  { title: '3D 8x8x8', spatialDims: 3, sizes: [8, 8, 8], runs: [[8, 8, 8]] },
  { title: '3D null sizes', spatialDims: 3, sizes: [null, null, null], runs: [[4, 4, 4], [2, 6, 4]] },
];

const NUM_CLASSES = 2;

function preluOptions(c: Case): UNetOptions {
  return { inputShape: [...c.sizes, 1], numClasses: NUM_CLASSES, spatialDims: c.spatialDims, filters: [2, 4], activation: 'prelu', seed: 3 };
}

const variableCount = () => Object.keys(tf.engine().registeredVariables).length;

/** Asserts every PReLU layer of `model` has one slope per channel and returns how many there are. */
function expectPerChannelSlopes(model: tfl.LayersModel, spatialDims: 2 | 3): number {
  const prelus = model.layers.filter((l) => l.getClassName() === 'PReLU');
  for (const layer of prelus) {
    const channels = layer.inboundNodes[0]!.inputTensors[0]!.shape.at(-1);
    expect(typeof channels, `${layer.name} input channels`).toBe('number');
    expect(layer.weights.map((w) => w.shape), `${layer.name} alpha`).toEqual([[...Array<number>(spatialDims).fill(1), channels]]);
  }
  return prelus.length;
}

describe('the prelu suite covers every factory', () => {
  it('lists every function exported from src/models/index.ts', () => {
    // The transformer U-Nets take no `activation` (their CNN blocks are MONAI's, LeakyReLU 0.01, or
    // their reference code's ReLU); their parameter-count functions and the valid-padding size
    // helpers build nothing. backboneUNet takes an encoder first; its decoder is built from the
    // same blocks (test/models/backboneUNet.test.ts).
    const withoutActivation = ['unetr', 'unetrParameterCount', 'swinUNETR', 'swinUNETRParameterCount', 'transUNet', 'transUNetParameterCount', 'swinUNet', 'swinUNetParameterCount', 'validUNetSizes', 'unetOutputSize', 'unetMargin', 'backboneUNet'];
    const exported = Object.entries(models).filter(([k, v]) => typeof v === 'function' && !withoutActivation.includes(k)).map(([k]) => k);
    expect(exported.sort()).toEqual(Object.keys(FACTORIES).sort());
  });
});

describeEachBackend("activation: 'prelu'", () => {
  for (const [name, factory] of Object.entries(FACTORIES)) {
    describe(name, () => {
      for (const c of CASES) {
        // 3D mobileUNet factorizes its depthwise convs, which need known sizes (documented); the
        // build must then fail cleanly instead.
        if (name === 'mobileUNet' && c.spatialDims === 3 && c.sizes.includes(null)) {
          it(`${c.title}: rejects the unknown sizes, leaving no tensors or variables`, () => {
            const before = { tensors: tf.memory().numTensors, variables: variableCount() };
            expect(() => factory(preluOptions(c))).toThrow(/needs known spatial sizes/);
            expect({ tensors: tf.memory().numTensors, variables: variableCount() }).toEqual(before);
          });
          continue;
        }
        it(`${c.title}: one slope per channel, finite outputs of the right shape, no leaks`, async () => {
          const before = { tensors: tf.memory().numTensors, variables: variableCount() };
          const model = factory(preluOptions(c));
          expect(expectPerChannelSlopes(model, c.spatialDims), 'PReLU layers').toBeGreaterThan(0);
          for (const [k, size] of c.runs.entries()) {
            const x = randomInput([1, ...size, 1], k + 1);
            const y = model.predict(x) as tf.Tensor;
            expect(y.shape).toEqual([1, ...size, NUM_CLASSES]);
            expectFinite(await y.data());
            tf.dispose([x, y]);
          }
          model.dispose();
          expect({ tensors: tf.memory().numTensors, variables: variableCount() }).toEqual(before);
        });
      }
    });
  }
});
