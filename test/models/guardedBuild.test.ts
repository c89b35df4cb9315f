import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as models from '../../src/models/index.js';
import { guardedBuild } from '../../src/models/guardedBuild.js';
import { describeEachBackend } from '../helpers/backends.js';
import type { Factory } from './factoryHarness.js';
import { tinyOptions } from './factoryHarness.js';
import { expectHalfBuiltCleanedUp } from './harness.js';

const variableCount = () => Object.keys(tf.engine().registeredVariables).length;

/** Tensor and variable counts, to compare before and after a call. */
const counts = () => ({ tensors: tf.memory().numTensors, variables: variableCount() });

/** Runs `fn`, expecting it to throw, and returns what it threw. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

// Every factory, so a new one cannot skip the guard (the prelu suite checks the list against the index).
const FACTORIES: Array<[string, Factory]> = [
  ['unet', models.unet],
  ['resUNet', models.resUNet],
  ['attentionUNet', models.attentionUNet],
  ['unetPlusPlus', models.unetPlusPlus],
  ['denseUNet', models.denseUNet],
  ['mobileUNet', models.mobileUNet],
  ['r2UNet', models.r2UNet],
];

afterEach(() => {
  vi.restoreAllMocks();
});

describeEachBackend('guardedBuild', () => {
  it('disposes the variables of the layers a throwing build applied and rethrows its error', () => {
    const before = counts();
    const fault = new Error('boom');
    let during = 0;
    const error = thrownBy(() =>
      guardedBuild(() => {
        const x = tfl.input({ shape: [4, 4, 1] });
        const y = tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }).apply(x) as tfl.SymbolicTensor;
        tfl.layers.batchNormalization({ axis: -1 }).apply(y);
        during = variableCount();
        throw fault;
      }),
    );
    expect(error).toBe(fault);
    // conv kernel + bias, batch norm gamma, beta, moving mean and variance.
    expect(during - before.variables).toBe(6);
    expect(counts()).toEqual(before);
  });

  it('keeps variables that existed before it started, and everything a successful build made', () => {
    const start = counts();
    const init = tf.zeros([2]);
    const outside = tf.variable(init);
    init.dispose();
    const before = counts();
    expect(() =>
      guardedBuild(() => {
        tfl.layers.dense({ units: 3 }).apply(tfl.input({ shape: [2] }));
        throw new RangeError('late');
      }),
    ).toThrow(RangeError);
    expect(counts()).toEqual(before);
    expect(outside.isDisposed).toBe(false);

    const model = guardedBuild(() => {
      const x = tfl.input({ shape: [2] });
      return tfl.model({ inputs: x, outputs: tfl.layers.dense({ units: 3 }).apply(x) as tfl.SymbolicTensor });
    });
    expect(variableCount()).toBe(before.variables + 2);
    model.dispose();
    outside.dispose();
    expect(counts()).toEqual(start);
  });

  it('returns what the build returns', () => {
    expect(guardedBuild(() => 42)).toBe(42);
  });
});

describeEachBackend('factories whose build throws dispose what they created', () => {
  describe('a tfjs-layers factory throwing mid-build (tfl.layers.concatenate, on its last call)', () => {
    for (const [name, factory] of FACTORIES) {
      it(name, () => {
        const options = tinyOptions(2, { activation: 'prelu' });
        const original = tfl.layers.concatenate;
        // A normal build first, to count the decoder's concatenations.
        let total = 0;
        const counter = vi.spyOn(tfl.layers, 'concatenate').mockImplementation((args) => {
          total++;
          return original(args);
        });
        factory(options).dispose();
        counter.mockRestore();
        expect(total, 'the factory concatenates through tfl.layers.concatenate').toBeGreaterThan(0);

        const before = counts();
        const fault = new Error(`injected into ${name}`);
        let calls = 0;
        let createdBeforeFault = 0;
        vi.spyOn(tfl.layers, 'concatenate').mockImplementation((args) => {
          if (++calls === total) {
            createdBeforeFault = variableCount() - before.variables;
            throw fault;
          }
          return original(args);
        });
        expect(thrownBy(() => factory(options))).toBe(fault);
        expect(createdBeforeFault, 'the fault came after layers had made weights').toBeGreaterThan(0);
        expect(counts()).toEqual(before);
      });
    }
  });

  describe('a layer failing while it creates its weights (Layer.addWeight, half-way through the build)', () => {
    for (const [name, factory] of FACTORIES) {
      it(name, () => {
        const options = tinyOptions(3, { activation: 'prelu' });
        // Half-way: the failing layer may already hold some of its own weights (a kernel, not its bias).
        expectHalfBuiltCleanedUp(() => factory(options));
      });
    }
  });

  it('mobileUNet rejecting unknown 3D sizes deep in its encoder leaves no weights of the layers before', () => {
    const before = counts();
    const options = tinyOptions(3, { activation: 'prelu', inputShape: [null, null, null, 1] });
    expect(() => models.mobileUNet(options)).toThrow(/needs known spatial sizes/);
    expect(counts()).toEqual(before);
  });
});
