import * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../core/errors.js';
import { selectOutput, type PredictFn } from './predictor.js';

/** One window: which sample of the batch and where it starts (padded coordinates). */
export interface WindowItem {
  sample: number;
  start: number[];
}

/** Progress report: windows done so far and in all. */
export type ProgressFn = (done: number, total: number) => void;

/** Arguments of {@link runWindows}. Internal. */
export interface WindowRun {
  fn: string;
  /** Spatial size of the (padded) domain the windows tile. */
  domain: number[];
  roi: number[];
  /** Start positions per spatial axis. */
  starts: number[][];
  samples: number;
  /** Makes the input batch `[b, ...roi, C]` for these windows; the engine disposes it. */
  fetch: (items: WindowItem[]) => tf.Tensor;
  predict: PredictFn;
  outputIndex: number | undefined;
  /** Importance weights over the window, row-major. */
  weights: Float32Array;
  batchSize: number;
  onProgress: ProgressFn | undefined;
  /** The region of the domain to return: offset and size per spatial axis. */
  crop: { offset: number[]; size: number[] };
}

/** Result of {@link runWindows}: `[samples, ...crop.size, channels]` row-major. */
export interface WindowResult {
  data: Float32Array;
  channels: number;
}

const to3 = (v: readonly number[], fill: number): [number, number, number] =>
  (v.length === 2 ? [fill, v[0]!, v[1]!] : [v[0]!, v[1]!, v[2]!]) as [number, number, number];

function* positions(starts: number[][]): Generator<number[]> {
  const index = starts.map(() => 0);
  for (;;) {
    yield index.map((i, axis) => starts[axis]![i]!);
    let axis = starts.length - 1;
    while (axis >= 0) {
      index[axis]! += 1;
      if (index[axis]! < starts[axis]!.length) break;
      index[axis] = 0;
      axis -= 1;
    }
    if (axis < 0) return;
  }
}

/**
 * The sliding-window engine shared by `slidingWindowInference`, `tiledPredict` and
 * `predictVolume25D`: predicts windows in batches, one batch on the device at a time, and
 * accumulates `w * pred` and `w` in CPU typed arrays (so memory holds one output-sized buffer,
 * never all windows), then returns `sum(w * pred) / sum(w)` over the crop region. Internal.
 */
export async function runWindows(run: WindowRun): Promise<WindowResult> {
  const [dD, dH, dW] = to3(run.domain, 1);
  const [rD, rH, rW] = to3(run.roi, 1);
  const roiVolume = rD * rH * rW;
  const domainVolume = dD * dH * dW;
  const all = [...positions(run.starts)];
  const total = all.length * run.samples;

  // The weight sum is the same for every sample: lay it down once.
  const weightSum = new Float32Array(domainVolume);
  for (const start of all) {
    const [z0, y0, x0] = to3(start, 0);
    for (let z = 0; z < rD; z++) {
      for (let y = 0; y < rH; y++) {
        const outRow = ((z0 + z) * dH + y0 + y) * dW + x0;
        const inRow = (z * rH + y) * rW;
        for (let x = 0; x < rW; x++) weightSum[outRow + x]! += run.weights[inRow + x]!;
      }
    }
  }

  let accumulator: Float32Array | undefined;
  let channels = 0;
  const items: WindowItem[] = [];
  for (let sample = 0; sample < run.samples; sample++) for (const start of all) items.push({ sample, start });

  for (let first = 0; first < items.length; first += run.batchSize) {
    const chunk = items.slice(first, first + run.batchSize);
    const batch = run.fetch(chunk);
    let outputs: tf.Tensor | tf.Tensor[] | undefined;
    let values: Float32Array;
    try {
      outputs = await run.predict(batch);
      const chosen = selectOutput(run.fn, outputs, run.roi, chunk.length, run.outputIndex);
      const read = await chosen.data();
      values = read instanceof Float32Array ? read : Float32Array.from(read as ArrayLike<number>);
      channels = chosen.shape[chosen.shape.length - 1]!;
    } finally {
      tf.dispose(batch);
      if (outputs !== undefined) tf.dispose(outputs);
    }
    // The values are on the host already: a scan costs nothing next to the predictor, and a NaN
    // window would otherwise blend silently into its neighbours' overlap.
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const item = chunk[Math.floor(bad / (values.length / chunk.length))]!;
      throw new UnetKitError(
        run.fn,
        'predictor',
        `returned ${values[bad]} for the window starting at [${item.start.join(', ')}] of sample ${item.sample}; expected finite outputs (are the weights NaN?).`,
      );
    }
    if (accumulator === undefined) accumulator = new Float32Array(run.samples * domainVolume * channels);
    else if (accumulator.length !== run.samples * domainVolume * channels) {
      throw new UnetKitError(run.fn, 'predictor', `changed its number of output channels between batches (now ${channels}).`);
    }
    const acc = accumulator;
    chunk.forEach((item, j) => {
      const [z0, y0, x0] = to3(item.start, 0);
      const sampleBase = item.sample * domainVolume;
      const predBase = j * roiVolume;
      for (let z = 0; z < rD; z++) {
        for (let y = 0; y < rH; y++) {
          const outRow = sampleBase + ((z0 + z) * dH + y0 + y) * dW + x0;
          const inRow = (z * rH + y) * rW;
          for (let x = 0; x < rW; x++) {
            const w = run.weights[inRow + x]!;
            const o = (outRow + x) * channels;
            const p = (predBase + inRow + x) * channels;
            for (let c = 0; c < channels; c++) acc[o + c]! += w * values[p + c]!;
          }
        }
      }
    });
    run.onProgress?.(Math.min(first + run.batchSize, total), total);
  }

  const [oD, oH, oW] = to3(run.crop.offset, 0);
  const [cD, cH, cW] = to3(run.crop.size, 1);
  const out = new Float32Array(run.samples * cD * cH * cW * channels);
  const acc = accumulator!;
  let k = 0;
  for (let s = 0; s < run.samples; s++) {
    for (let z = 0; z < cD; z++) {
      for (let y = 0; y < cH; y++) {
        for (let x = 0; x < cW; x++) {
          const voxel = ((oD + z) * dH + oH + y) * dW + oW + x;
          const inv = 1 / weightSum[voxel]!;
          const base = (s * domainVolume + voxel) * channels;
          for (let c = 0; c < channels; c++) out[k++] = acc[base + c]! * inv;
        }
      }
    }
  }
  return { data: out, channels };
}
