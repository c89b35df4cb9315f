// ChannelSlice, ModalityMask, ModalityScale and ModalityAttention: the layers of fusionUNet,
// checked against hand-computed values.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';
import { channelSlice } from '../../src/layers/channelSlice.js';
import { modalityAttention } from '../../src/layers/modalityAttention.js';
import { modalityMask } from '../../src/layers/modalityMask.js';
import { modalityScale } from '../../src/layers/modalityScale.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeakRead } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { expectExactRoundTrips, randomTensor } from './layerChecks.js';

const values = (t: tf.Tensor) => Array.from(t.dataSync());

/** Channel `c` of every position of a channels-last tensor. */
function channel(x: tf.Tensor, c: number, width: number): number[] {
  return values(x).filter((_, i) => i % width === c);
}

describeEachBackend('modality layers', () => {
  it('ChannelSlice keeps channels start..start+size-1 at any rank; rejects a slice past the channels', async () => {
    const x = tf.reshape(tf.range(0, 2 * 2 * 2 * 4), [1, 2, 2, 2, 4]);
    const y = (await expectNoLeakRead(() => channelSlice({ start: 1, size: 2 }).apply(x) as tf.Tensor)) as number[][][][][];
    expect(y[0]![1]![0]![1]).toEqual([4 * 5 + 1, 4 * 5 + 2]);
    expect(() => channelSlice({ start: 3, size: 2 }).apply(tfl.input({ shape: [4, 4, 4] }))).toThrow(/ChannelSlice: input shape.*at least 5/);
    expect(() => channelSlice({ start: -1, size: 1 })).toThrow(UnetKitError);
    x.dispose();
  });

  it('ModalityMask: all ones when every modality is present; a zero modality is missing (weight 0, the others times M / kept)', async () => {
    // 3 modalities of 2 channels; sample 1 lacks modality 2; sample 2 is all zero (all ones).
    const x = tf.tensor4d(
      [
        [1, 0, 0, 2, 3, 3],
        [1, 1, 1, 0, 0, 0],
        [0, 0, 0, 0, 0, 0],
      ].flatMap((row) => [...row, ...row.map((v) => -v)]),
      [3, 1, 2, 6],
    );
    const layer = modalityMask({ modalities: 3, rate: 0.5 });
    const w = await expectNoLeakRead(() => layer.apply(x) as tf.Tensor);
    expectClose(w, [
      [1, 1, 1],
      [1.5, 1.5, 0],
      [1, 1, 1],
    ]);
    x.dispose();
  });

  it('ModalityMask in training drops each modality with probability rate, never all; weights sum to M; seeded draws repeat per layer and change per call', () => {
    const n = 4000;
    const x = tf.ones([n, 2, 2, 2]);
    const layer = modalityMask({ modalities: 2, rate: 0.5, seed: 3 });
    const first = layer.apply(x, { training: true }) as tf.Tensor;
    const second = layer.apply(x, { training: true }) as tf.Tensor;
    const again = modalityMask({ modalities: 2, rate: 0.5, seed: 3 }).apply(x, { training: true }) as tf.Tensor;
    const w = values(first);
    const rows = Array.from({ length: n }, (_, i) => [w[2 * i]!, w[2 * i + 1]!]);
    rows.forEach(([a, b]) => expect(a! + b!).toBeCloseTo(2, 5));
    for (const v of w) expect([0, 1, 2]).toContain(Math.round(v * 1e5) / 1e5);
    // Exactly one dropped with probability 2 * 0.5 * 0.5; both dropped falls back to both kept.
    const oneDropped = rows.filter(([a]) => a === 0 || a === 2).length / n;
    expect(oneDropped).toBeGreaterThan(0.46);
    expect(oneDropped).toBeLessThan(0.54);
    expect(values(again)).toEqual(w);
    expect(values(second)).not.toEqual(w);
    tf.dispose([x, first, second, again]);
  });

  it('ModalityScale multiplies each channel group by its weight', async () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 1, 1, 4]);
    const w = tf.tensor2d([2, 0, 0.5, 1], [2, 2]);
    const y = await expectNoLeakRead(() => modalityScale({ modalities: 2 }).apply([x, w]) as tf.Tensor);
    expect(y).toEqual([[[[2, 4, 0, 0]]], [[[2.5, 3, 7, 8]]]]);
    expect(() => modalityScale({ modalities: 3 }).apply([tfl.input({ shape: [4, 4, 4] }), tfl.input({ shape: [3] })])).toThrow(/ModalityScale: input shapes/);
    tf.dispose([x, w]);
  });

  it('ModalityAttention: untrained it averages the modalities; a weight-0 modality is left out; 2 M F H + H + M F parameters', () => {
    const f = 3;
    const x = randomTensor([2, 4, 4, 2 * f], 1);
    const layer = modalityAttention({ modalities: 2, seed: 1 });
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 4, 4, f]);
    const hidden = Math.floor((2 * f) / 4);
    expect(layer.countParams()).toBe(2 * 2 * f * hidden + hidden + 2 * f);
    for (let c = 0; c < f; c++) {
      const mean = channel(x, c, 2 * f).map((v, i) => (v + channel(x, f + c, 2 * f)[i]!) / 2);
      expectClose(channel(y, c, f), mean, 1e-5);
    }
    const w = tf.tensor2d([2, 0, 0, 2], [2, 2]);
    const masked = layer.apply([x, w]) as tf.Tensor;
    const half = 4 * 4 * f;
    // Sample 0 keeps modality 0 only, sample 1 modality 1 only.
    for (let c = 0; c < f; c++) {
      expectClose(channel(masked, c, f).slice(0, 16), channel(x, c, 2 * f).slice(0, 16), 1e-6);
      expectClose(channel(masked, c, f).slice(16), channel(x, f + c, 2 * f).slice(16), 1e-6);
    }
    expect(values(masked).length).toBe(2 * half);
    tf.dispose([x, y, w, masked]);
  });

  it('ModalityAttention learns: the softmax weights move with training and follow the data (3D)', async () => {
    // Target: modality 1's features. Minimising the error must raise modality 1's weight.
    const x = randomTensor([4, 2, 2, 2, 4], 2);
    const target = tf.tidy(() => tf.slice(x, [0, 0, 0, 0, 2], [4, 2, 2, 2, 2]));
    const input = tfl.input({ shape: [2, 2, 2, 4] });
    const model = tfl.model({ inputs: input, outputs: modalityAttention({ modalities: 2, ratio: 1, seed: 4 }).apply(input) as tfl.SymbolicTensor });
    const optimizer = tf.train.adam(0.05);
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const history = await model.fit(x, target, { epochs: 30, batchSize: 4, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! / 2);
    tf.dispose([x, target]);
    optimizer.dispose();
    model.dispose();
  });

  it('saves and loads a model with every modality layer exactly', async () => {
    const input = tfl.input({ shape: [4, 4, 4] });
    const w = modalityMask({ modalities: 2, rate: 0.3, seed: 1, name: 'mask' }).apply(input) as tfl.SymbolicTensor;
    const a = channelSlice({ start: 0, size: 2, name: 'a' }).apply(input) as tfl.SymbolicTensor;
    const scaled = modalityScale({ modalities: 2, name: 'scale' }).apply([input, w]) as tfl.SymbolicTensor;
    const fused = modalityAttention({ modalities: 2, name: 'att', seed: 2 }).apply([scaled, w]) as tfl.SymbolicTensor;
    const out = tfl.layers.concatenate({ name: 'out' }).apply([a, fused]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const layer = model.getLayer('att');
    layer.setWeights(layer.getWeights().map((t, i) => randomTensor(t.shape, 10 + i)));
    const x = randomTensor([2, 4, 4, 4], 5);
    await expectExactRoundTrips(model, x);
    x.dispose();
    model.dispose();
  });
});

describe('modality layer arguments', () => {
  it('reject bad arguments naming the layer and the argument', () => {
    expect(() => modalityMask({ modalities: 0 })).toThrow(/ModalityMask: args.modalities/);
    expect(() => modalityMask({ modalities: 2, rate: 1 })).toThrow(/ModalityMask: args.rate/);
    expect(() => modalityAttention({ modalities: 2, ratio: 0 })).toThrow(/ModalityAttention: args.ratio/);
    expect(() => modalityAttention({ modalities: 2 }).apply(tfl.input({ shape: [4, 4, 3] }))).toThrow(/divisible by modalities 2/);
  });
});
