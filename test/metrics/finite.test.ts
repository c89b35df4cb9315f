import * as tf from '@tensorflow/tfjs-core';
import { afterEach, expect, it } from 'vitest';
import { averageSurfaceDistance } from '../../src/metrics/averageSurfaceDistance.js';
import { distanceTransform } from '../../src/metrics/distanceTransform.js';
import { maskEdges } from '../../src/metrics/edges.js';
import { generalizedDiceScore } from '../../src/metrics/generalizedDiceScore.js';
import { hausdorffDistance } from '../../src/metrics/hausdorff.js';
import { normalizedSurfaceDice } from '../../src/metrics/surfaceDice.js';
import { diceCoefficient, iouScore } from '../../src/metrics/training.js';
import { setFiniteChecks } from '../../src/ops/assertFinite.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

const clean = [0, 1, 1, 0, 1, 0, 0, 1];
const withNaN = [0, NaN, 1, 0, 1, 0, 0, 1];

describeEachBackend('metrics refuse non-finite inputs', () => {
  afterEach(() => {
    setFiniteChecks('auto');
  });

  it('generalizedDiceScore names pred and target, leaks nothing, and is unchanged on finite input', async () => {
    const bad = tf.tensor4d(withNaN, [1, 2, 2, 2]);
    const good = tf.tensor4d(clean, [1, 2, 2, 2]);
    await expectNoLeak(() => {
      expect(() => generalizedDiceScore(bad, good)).toThrow('generalizedDiceScore: pred holds 1 NaN value (of 8); expected finite numbers.');
      expect(() => generalizedDiceScore(good, bad)).toThrow('generalizedDiceScore: target holds 1 NaN value (of 8); expected finite numbers.');
    });
    const score = await expectNoLeak(() => generalizedDiceScore(good, good));
    expect(score.dataSync()[0]).toBeCloseTo(1, 6);
    tf.dispose([bad, good, score]);
  });

  it('diceCoefficient and iouScore name yTrue and yPred, leak nothing, and are unchanged on finite input', async () => {
    const bad = tf.tensor4d(withNaN, [1, 2, 2, 2]);
    const good = tf.tensor4d(clean, [1, 2, 2, 2]);
    for (const [name, metric] of [['diceCoefficient', diceCoefficient()], ['iouScore', iouScore()]] as const) {
      await expectNoLeak(() => {
        expect(() => metric(good, bad)).toThrow(`${name}: yPred holds 1 NaN value (of 8); expected finite numbers.`);
        expect(() => metric(bad, good)).toThrow(`${name}: yTrue holds 1 NaN value (of 8); expected finite numbers.`);
      });
      const checked = metric(good, good);
      setFiniteChecks(false);
      const unchecked = metric(good, good);
      setFiniteChecks('auto');
      expect(checked.dataSync()[0]).toBe(unchecked.dataSync()[0]);
      expect(checked.dataSync()[0]).toBeCloseTo(1, 6);
      tf.dispose([checked, unchecked]);
    }
    tf.dispose([bad, good]);
  });

  it('the surface metrics name the mask holding NaN (tensor or array) instead of counting it as background', async () => {
    const bad = tf.tensor4d(withNaN, [1, 2, 4, 1]);
    const good = tf.tensor4d(clean, [1, 2, 4, 1]);
    const message = (fn: string, arg: string) => new RegExp(`^${fn}: ${arg} has value NaN at flat index 1; expected a binary mask`);
    await expectNoLeak(() => {
      expect(() => hausdorffDistance(bad, good)).toThrow(message('hausdorffDistance', 'pred'));
      expect(() => averageSurfaceDistance(good, bad)).toThrow(message('averageSurfaceDistance', 'target'));
      expect(() => normalizedSurfaceDice({ data: withNaN, shape: [1, 2, 4, 1] }, good, { tolerance: 1 })).toThrow(message('normalizedSurfaceDice', 'pred'));
    });
    expect(() => maskEdges(withNaN, [2, 4])).toThrow('maskEdges: mask has value NaN at flat index 1; expected a mask (non-zero is foreground), with no NaN.');
    expect(() => distanceTransform(withNaN, [2, 4])).toThrow('distanceTransform: mask has value NaN at flat index 1; expected a mask (non-zero is foreground), with no NaN.');
    // Truthy values other than NaN keep their meaning.
    expect(Array.from(maskEdges([0, 2, 1, 0, 1, 0, 0, 1], [2, 4]))).toEqual(Array.from(maskEdges(clean, [2, 4])));
    expect(Array.from(distanceTransform([0, 2, 1, 0, 1, 0, 0, 1], [2, 4]))).toEqual(Array.from(distanceTransform(clean, [2, 4])));
    tf.dispose([bad, good]);
  });
});
