import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { progressBar } from '../../src/train/progressBar.js';
import { polyLR } from '../../src/train/schedules.js';
import { describeEachBackend } from '../helpers/backends.js';
import { tinyDense } from './fixtures.js';

function sink(isTTY: boolean): { stream: { write(s: string): boolean; isTTY: boolean; columns: number }; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: {
      write: (s: string) => {
        chunks.push(s);
        return true;
      },
      isTTY,
      columns: 160,
    },
    text: () => chunks.join(''),
  };
}

describeEachBackend('progressBar', () => {
  it('prints one line per epoch with loss, val logs and lr where the stream is not a terminal', async () => {
    const { model, x, y } = tinyDense();
    const out = sink(false);
    await model.fit(x, y, {
      epochs: 3,
      batchSize: 4,
      validationData: [x, y],
      callbacks: [polyLR({ initialLR: 0.1, totalSteps: 3 }), progressBar({ stream: out.stream })],
      verbose: 0,
    });
    const lines = out.text().trim().split('\n');
    expect(lines.length).toBe(3);
    expect(lines[0]).toMatch(/^epoch 1\/3 loss \d+\.\d{4} val_loss \d+\.\d{4} lr 1\.00e-1 \(\d+\.\d s\)$/);
    expect(lines[2]).toMatch(/^epoch 3\/3 /);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('draws a cli-progress bar with epoch, logs and ETA on a terminal', async () => {
    const { model, x, y } = tinyDense();
    const out = sink(true);
    await model.fit(x, y, { epochs: 2, batchSize: 2, callbacks: [progressBar({ stream: out.stream, metrics: ['loss'] })], verbose: 0 });
    const text = out.text();
    // 8 samples / batch 2 = 4 steps per epoch, 8 in all: the bar ends at 100% in epoch 2.
    expect(text).toMatch(/epoch 2\/2 \|.*\| 100% \| loss \d+\.\d{4}/);
    expect(text).toMatch(/ETA \d+s/);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('rejects bad options', () => {
    expect(() => progressBar({ stream: {} as never })).toThrow(/progressBar: options.stream is \{\}; expected a writable stream/);
    expect(() => progressBar({ digits: 1.5 })).toThrow(/options.digits is 1.5/);
    expect(() => progressBar({ metric: ['loss'] } as never)).toThrow(/Did you mean 'metrics'/);
  });
});
