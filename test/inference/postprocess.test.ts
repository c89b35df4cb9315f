import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import {
  argmax,
  connectedComponents,
  fillHoles,
  keepLargestComponent,
  removeSmallObjects,
  threshold,
} from '../../src/inference/postprocess.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';

/** A [1, H, W, 1] mask from rows of digits ('.' = 0). */
function draw(rows: string[], dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  const values = rows.flatMap((r) => [...r].map((ch) => (ch === '.' ? 0 : Number(ch))));
  return tf.tensor(values, [1, rows.length, rows[0]!.length, 1], dtype);
}

async function show(t: tf.Tensor): Promise<string[]> {
  const [, H, W] = t.shape as number[];
  const v = await t.data();
  t.dispose();
  return Array.from({ length: H! }, (_, y) =>
    Array.from({ length: W! }, (_, x) => (v[y * W! + x] === 0 ? '.' : String(v[y * W! + x]))).join(''),
  );
}

describeEachBackend('postprocess', () => {
  it('threshold is >= value, float 0/1', async () => {
    const p = tf.tensor([0.2, 0.5, 0.7, 0.49], [1, 2, 2, 1]);
    const m = await expectNoLeak(() => threshold(p));
    expect(m.dtype).toBe('float32');
    expect(Array.from(await m.data())).toEqual([0, 1, 1, 0]);
    const m2 = threshold(p, 0.65);
    expect(Array.from(await m2.data())).toEqual([0, 0, 1, 0]);
    tf.dispose([p, m, m2]);
    expect(() => threshold(p, NaN)).toThrow(/threshold: value is NaN/);
  });

  it('argmax keeps the channel axis; oneHot gives a one-hot map', async () => {
    const p = tf.tensor([0.1, 0.7, 0.2, 0.6, 0.3, 0.1], [1, 1, 2, 3]);
    const labels = await expectNoLeak(() => argmax(p));
    expect(labels.shape).toEqual([1, 1, 2, 1]);
    expect(Array.from(await labels.data())).toEqual([1, 0]);
    const hot = argmax(p, { oneHot: true });
    expect(hot.shape).toEqual([1, 1, 2, 3]);
    expect(Array.from(await hot.data())).toEqual([0, 1, 0, 1, 0, 0]);
    tf.dispose([p, labels, hot]);
  });

  it('keepLargestComponent: 8- vs 4-connectivity on a hand-drawn mask', async () => {
    const mask = draw([
      '11.....',
      '11.....',
      '..1..1.',
      '.....11',
      '.....11',
    ]);
    // 8-connected: the top-left block (4) + the diagonal pixel (2,2) make 5; the right blob has 5
    // pixels too (2,5),(3,5),(3,6),(4,5),(4,6): a tie keeps the first in scan order.
    expect(await show(await expectNoLeak(() => keepLargestComponent(mask, { connectivity: 8 })))).toEqual([
      '11.....',
      '11.....',
      '..1....',
      '.......',
      '.......',
    ]);
    // 4-connected: the diagonal pixel is its own component; the right blob (5) beats the block (4).
    expect(await show(keepLargestComponent(mask, { connectivity: 4 }))).toEqual([
      '.......',
      '.......',
      '.....1.',
      '.....11',
      '.....11',
    ]);
    mask.dispose();
  });

  it('keepLargestComponent handles each label independently or all together', async () => {
    const labels = draw(
      [
        '22..1',
        '22..1',
        '....1',
        '2...1',
      ],
      'int32',
    );
    const independent = keepLargestComponent(labels);
    expect(independent.dtype).toBe('int32');
    expect(await show(independent)).toEqual(['22..1', '22..1', '....1', '....1']);
    // All foreground as one: components {2-block: 4}, {1-column: 4}, {lone 2: 1}; tie -> first.
    expect(await show(keepLargestComponent(labels, { independent: false }))).toEqual(['22...', '22...', '.....', '.....']);
    expect(await show(keepLargestComponent(labels, { labels: [2] }))).toEqual(['22..1', '22..1', '....1', '....1']);
    labels.dispose();
  });

  it('removeSmallObjects drops components smaller than minSize (equal stays)', async () => {
    const mask = draw([
      '111..1',
      '1.1...',
      '111.11',
      '......',
      '1....1',
    ]);
    // components (8-connected): ring of 8, single (0,5), pair (2,4)-(2,5), singles (4,0), (4,5).
    expect(await show(await expectNoLeak(() => removeSmallObjects(mask, 2)))).toEqual([
      '111...',
      '1.1...',
      '111.11',
      '......',
      '......',
    ]);
    expect(await show(removeSmallObjects(mask, 3))).toEqual(['111...', '1.1...', '111...', '......', '......']);
    expect(await show(removeSmallObjects(mask, 9))).toEqual(['......', '......', '......', '......', '......']);
    mask.dispose();
  });

  it('fillHoles fills enclosed background only; border-touching background stays', async () => {
    const mask = draw([
      '.1111.',
      '.1..1.',
      '.1..1.',
      '.1111.',
      '......',
      '11....',
      '.1....',
    ]);
    expect(await show(await expectNoLeak(() => fillHoles(mask)))).toEqual([
      '.1111.',
      '.1111.',
      '.1111.',
      '.1111.',
      '......',
      '11....',
      '.1....',
    ]);
    mask.dispose();
  });

  it('fillHoles connectivity: a diagonal gap leaks under 8-connectivity of the background', async () => {
    const mask = draw([
      '.11..',
      '1..1.',
      '1..1.',
      '.11..',
    ]);
    // Background 4-connected: the inner 2x2 is enclosed (its corners meet only diagonally).
    expect(await show(fillHoles(mask))).toEqual(['.11..', '1111.', '1111.', '.11..']);
    // Background 8-connected: the inner 2x2 reaches the corner (0,0) diagonally -> not a hole.
    expect(await show(fillHoles(mask, { connectivity: 8 }))).toEqual(['.11..', '1..1.', '1..1.', '.11..']);
    mask.dispose();
  });

  it('fillHoles leaves holes holding another label', async () => {
    const labels = draw(['11111', '1.2.1', '11111'], 'int32');
    expect(await show(fillHoles(labels, { labels: [1] }))).toEqual(['11111', '1.2.1', '11111']);
    const plain = draw(['11111', '1...1', '11111'], 'int32');
    expect(await show(fillHoles(plain))).toEqual(['11111', '11111', '11111']);
    tf.dispose([labels, plain]);
  });

  it('works in 3D with 6/18/26 connectivity', async () => {
    // Two voxels touching only at a corner: (0,0,0) and (1,1,1) in a 2x2x2 volume.
    const corner = tf.tensor([1, 0, 0, 0, 0, 0, 0, 1], [1, 2, 2, 2, 1]);
    expect(Array.from(await connectedComponents(corner).data())).toEqual([1, 0, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(await connectedComponents(corner, { connectivity: 18 }).data())).toEqual([1, 0, 0, 0, 0, 0, 0, 2]);
    // Edge neighbours (0,0,0) and (1,1,0): joined by 18, not by 6.
    const edge = tf.tensor([1, 0, 0, 0, 0, 0, 1, 0], [1, 2, 2, 2, 1]);
    expect(Array.from(await connectedComponents(edge, { connectivity: 18 }).data())).toEqual([1, 0, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(await connectedComponents(edge, { connectivity: 6 }).data())).toEqual([1, 0, 0, 0, 0, 0, 2, 0]);
    // A 3x3x3 shell with a hollow centre: filled in 3D.
    const shell = tf.tensor(Array.from({ length: 27 }, (_, i) => (i === 13 ? 0 : 1)), [1, 3, 3, 3, 1]);
    expect(Array.from(await fillHoles(shell).data())).toEqual(new Array(27).fill(1));
    tf.dispose([corner, edge, shell]);
  });

  it('processes each sample of a batch on its own', async () => {
    const batch = tf.tensor([1, 0, 1, 1, 1, 1, 0, 1], [2, 1, 4, 1]);
    // sample 0: [1, 0, 1, 1] -> largest [0, 0, 1, 1]; sample 1: [1, 1, 0, 1] -> [1, 1, 0, 0].
    const out = keepLargestComponent(batch);
    expect(Array.from(await out.data())).toEqual([0, 0, 1, 1, 1, 1, 0, 0]);
    tf.dispose([batch, out]);
  });

  it('rejects probabilities, many channels and bad options', () => {
    const probs = tf.tensor([0.2, 0.9], [1, 1, 2, 1]);
    expect(() => keepLargestComponent(probs)).toThrow(/keepLargestComponent: mask holds the non-integer value 0.2.*threshold or argmax first/);
    const twoChannels = tf.zeros([1, 2, 2, 2]);
    expect(() => fillHoles(twoChannels)).toThrow(/fillHoles: mask has shape \[1, 2, 2, 2\] \(2 channels\); expected one channel/);
    const mask = tf.zeros([1, 2, 2, 1]);
    expect(() => removeSmallObjects(mask, 0)).toThrow(/removeSmallObjects: minSize is 0; expected an integer >= 1/);
    expect(() => keepLargestComponent(mask, { connectivity: 6 })).toThrow(/options.connectivity is 6; expected 4 or 8 for 2D masks/);
    expect(() => fillHoles(mask, { labels: [0] })).toThrow(/options.labels is \[0\]; expected non-zero labels/);
    expect(() => fillHoles(mask, { conectivity: 4 } as never)).toThrow(/Did you mean 'connectivity'/);
    const flat = tf.zeros([2, 2]);
    expect(() => connectedComponents(flat)).toThrow(/rank 2/);
    tf.dispose([probs, twoChannels, mask, flat]);
  });
});
