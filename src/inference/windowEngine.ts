import * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../core/errors.js';
import { flattenOutputs, selectOutput, type OutputStructure, type PredictFn } from './predictor.js';

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

/** One output of {@link runWindowsAll}: `[samples, ...size, channels]` row-major. */
export interface WindowHeadResult extends WindowResult {
  /** Spatial size: the crop scaled by the output's window size over the input window's. */
  size: number[];
}

/** Result of {@link runWindowsAll}: every output the predictor returned, and how it returned them. */
export interface MultiWindowResult {
  heads: WindowHeadResult[];
  structure: OutputStructure;
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
 * accumulates `w * pred` in one CPU typed array of the output's size (never all windows, and no
 * weight-sized buffer: `sum(w)` is rebuilt one plane at a time when normalizing), then returns
 * `sum(w * pred) / sum(w)` over the crop region, normalized in place when the crop is the whole
 * domain (the returned `data` is then the accumulator itself). Blends the one output
 * `selectOutput` picks. Internal.
 */
export async function runWindows(run: WindowRun): Promise<WindowResult> {
  const { heads } = await stitch(run, false);
  const { data, channels } = heads[0]!;
  return { data, channels };
}

/**
 * {@link runWindows} for every output of the predictor (MONAI's multi-output
 * `sliding_window_inference`): each output gets its own accumulator at its own resolution, the
 * importance map resized to its window size (nearest, as MONAI's `nearest-exact`) and the
 * window positions scaled by `output window size / roi`. Internal.
 */
export async function runWindowsAll(run: WindowRun): Promise<MultiWindowResult> {
  return stitch(run, true);
}

/** One output being stitched: its geometry at its own resolution and its sums. */
interface Head {
  /** For messages: `output 1` or `output 'aux'`. */
  label: string;
  /** The output's spatial size per window, and the input window's (scale = out / roi exactly). */
  roi: number[];
  domain: number[];
  weights: Float32Array;
  /** Window starts in the output's voxels, in the order the windows are blended. */
  starts: number[][];
  accumulator: Float32Array;
  channels: number;
  /** Shape of the output tensor for the first batch, to catch a predictor that changes it. */
  shape: number[];
}

async function stitch(run: WindowRun, all: boolean): Promise<MultiWindowResult> {
  const positionsAll = [...positions(run.starts)];
  const total = positionsAll.length * run.samples;
  const items: WindowItem[] = [];
  for (let sample = 0; sample < run.samples; sample++) for (const start of positionsAll) items.push({ sample, start });

  let heads: Head[] | undefined;
  let structure: OutputStructure = { kind: 'tensor' };
  for (let first = 0; first < items.length; first += run.batchSize) {
    const chunk = items.slice(first, first + run.batchSize);
    const batch = run.fetch(chunk);
    let outputs: unknown;
    let chosen: tf.Tensor[];
    let values: Float32Array[];
    try {
      outputs = await run.predict(batch);
      if (all) {
        const flat = flattenOutputs(run.fn, outputs);
        chosen = flat.tensors;
        if (heads === undefined) structure = flat.structure;
        else checkSameStructure(run.fn, structure, flat.structure);
      } else {
        chosen = [selectOutput(run.fn, outputs as tf.Tensor | tf.Tensor[], run.roi, chunk.length, run.outputIndex)];
      }
      if (heads === undefined) heads = chosen.map((t, k) => makeHead(run, t, chunk.length, all ? outputLabel(structure, k) : undefined, positionsAll));
      else chosen.forEach((t, k) => checkSameShape(run.fn, heads![k]!, t, chunk.length));
      values = await Promise.all(
        chosen.map(async (t) => {
          const read = await t.data();
          return read instanceof Float32Array ? read : Float32Array.from(read as ArrayLike<number>);
        }),
      );
    } finally {
      tf.dispose(batch);
      if (outputs !== undefined) tf.dispose(outputs as tf.TensorContainer);
    }
    // The values are on the host already: a scan costs nothing next to the predictor, and a NaN
    // window would otherwise blend silently into its neighbours' overlap.
    values.forEach((v, k) => checkFinite(run.fn, v, chunk, all ? heads![k]!.label : undefined));
    heads.forEach((head, k) => accumulate(head, run.roi, chunk, values[k]!));
    run.onProgress?.(Math.min(first + run.batchSize, total), total);
  }
  return { heads: heads!.map((head) => cropHead(run, head)), structure };
}

function outputLabel(structure: OutputStructure, k: number): string {
  return structure.kind === 'record' ? `output '${structure.keys[k]!}'` : `output ${k}`;
}

/** `value * num / den` when it is a whole number, else undefined (exact in integers). */
function scaled(value: number, num: number, den: number): number | undefined {
  return (value * num) % den === 0 ? (value * num) / den : undefined;
}

/**
 * Sets up an output's accumulator. Its spatial size per window must scale the window by a
 * ratio that puts every window start, the domain and the crop on whole output voxels; MONAI
 * rounds misaligned positions down and blends them silently, unet-kit refuses them.
 */
function makeHead(run: WindowRun, tensor: tf.Tensor, batch: number, label: string | undefined, starts: number[][]): Head {
  const rank = run.roi.length;
  const name = label ?? 'output';
  const spatial = tensor.shape.slice(1, -1);
  if (tensor.rank !== rank + 2 || tensor.shape[0] !== batch || spatial.some((s) => s < 1)) {
    throw new UnetKitError(
      run.fn,
      'predictor',
      `${name} has shape [${tensor.shape.join(', ')}]; expected [${batch}, ...${rank} spatial sizes, C] (channels last, one item per window).`,
    );
  }
  const domain: number[] = [];
  for (let a = 0; a < rank; a++) {
    const num = spatial[a]!;
    const den = run.roi[a]!;
    const misaligned = [run.domain[a]!, run.crop.offset[a]!, run.crop.offset[a]! + run.crop.size[a]!, ...starts.map((s) => s[a]!)].find(
      (v) => scaled(v, num, den) === undefined,
    );
    if (misaligned !== undefined) {
      throw new UnetKitError(
        run.fn,
        'predictor',
        `${name} is ${num} voxels along spatial axis ${a} for windows of ${den}: scale ${num}/${den} puts position ${misaligned} ` +
          `(a window start, the padded image size or the crop) between output voxels; expected roiSize, overlap and image size ` +
          `such that every window start times ${num}/${den} is a whole number (e.g. starts on multiples of ${den / gcd(num, den)}).`,
      );
    }
    domain.push(scaled(run.domain[a]!, num, den)!);
  }
  const weights = spatial.every((s, a) => s === run.roi[a]) ? run.weights : resizeNearest(run.weights, run.roi, spatial);
  const [dD, dH, dW] = to3(domain, 1);
  const channels = tensor.shape[tensor.rank - 1]!;
  return {
    label: name,
    roi: spatial,
    domain,
    weights,
    starts: starts.map((start) => scaleStart(start, spatial, run.roi)),
    accumulator: new Float32Array(run.samples * dD * dH * dW * channels),
    channels,
    shape: tensor.shape.slice(1),
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function scaleStart(start: readonly number[], out: readonly number[], roi: readonly number[]): number[] {
  return start.map((s, a) => (s * out[a]!) / roi[a]!);
}

/**
 * The importance map resized from `from` to `to` voxels per axis by nearest neighbour with
 * half-pixel centres, as PyTorch's `interpolate(mode='nearest-exact')` in MONAI:
 * `src = min(floor((dst + 0.5) * from / to), from - 1)`.
 */
function resizeNearest(weights: Float32Array, from: readonly number[], to: readonly number[]): Float32Array {
  const [fD, fH, fW] = to3(from, 1);
  const [tD, tH, tW] = to3(to, 1);
  const index = (n: number, m: number): number[] => Array.from({ length: m }, (_, d) => Math.min(Math.floor(((d + 0.5) * n) / m), n - 1));
  const [iz, iy, ix] = [index(fD, tD), index(fH, tH), index(fW, tW)];
  const out = new Float32Array(tD * tH * tW);
  let k = 0;
  for (let z = 0; z < tD; z++) for (let y = 0; y < tH; y++) for (let x = 0; x < tW; x++) out[k++] = weights[(iz[z]! * fH + iy[y]!) * fW + ix[x]!]!;
  return out;
}

function checkSameStructure(fn: string, first: OutputStructure, now: OutputStructure): void {
  const describe = (s: OutputStructure): string =>
    s.kind === 'tensor' ? 'one tensor' : s.kind === 'array' ? `an array of ${s.length}` : `a record with keys ${s.keys.join(', ')}`;
  if (describe(first) !== describe(now)) {
    throw new UnetKitError(fn, 'predictor', `returned ${describe(now)} after ${describe(first)} for an earlier batch; expected the same outputs for every batch.`);
  }
}

function checkSameShape(fn: string, head: Head, tensor: tf.Tensor, batch: number): void {
  const shape = tensor.shape.slice(1);
  if (tensor.shape[0] !== batch || shape.length !== head.shape.length || shape.some((s, i) => s !== head.shape[i])) {
    const what = head.channels !== shape[shape.length - 1] && shape.length === head.shape.length ? 'its number of output channels' : 'its output shape';
    throw new UnetKitError(
      fn,
      'predictor',
      `changed ${what} between batches (${head.label} now [${tensor.shape.join(', ')}], first [${batch}, ${head.shape.join(', ')}]).`,
    );
  }
}

function checkFinite(fn: string, values: Float32Array, chunk: WindowItem[], label: string | undefined): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad < 0) return;
  const item = chunk[Math.floor(bad / (values.length / chunk.length))]!;
  const where = label === undefined ? '' : ` in ${label}`;
  throw new UnetKitError(
    fn,
    'predictor',
    `returned ${values[bad]}${where} for the window starting at [${item.start.join(', ')}] of sample ${item.sample}; expected finite outputs (are the weights NaN?).`,
  );
}

function accumulate(head: Head, inputRoi: readonly number[], chunk: WindowItem[], values: Float32Array): void {
  const [dD, dH, dW] = to3(head.domain, 1);
  const [rD, rH, rW] = to3(head.roi, 1);
  const roiVolume = rD * rH * rW;
  const domainVolume = dD * dH * dW;
  const { channels, weights } = head;
  const acc = head.accumulator;
  chunk.forEach((item, j) => {
    const [z0, y0, x0] = to3(scaleStart(item.start, head.roi, inputRoi), 0);
    const sampleBase = item.sample * domainVolume;
    const predBase = j * roiVolume;
    for (let z = 0; z < rD; z++) {
      for (let y = 0; y < rH; y++) {
        const outRow = sampleBase + ((z0 + z) * dH + y0 + y) * dW + x0;
        const inRow = (z * rH + y) * rW;
        for (let x = 0; x < rW; x++) {
          const w = weights[inRow + x]!;
          const o = (outRow + x) * channels;
          const p = (predBase + inRow + x) * channels;
          for (let c = 0; c < channels; c++) acc[o + c]! += w * values[p + c]!;
        }
      }
    }
  });
}

/**
 * `sum(w)` over the output plane `z` (the first spatial axis of a volume; the whole image in
 * 2D), into `plane`. The weight sum is the same for every sample, and rebuilding it a plane at a
 * time keeps one `H x W` buffer instead of a volume-sized one. The windows are added in blending
 * order, so each voxel's float32 sum is the one a full-size sum would hold, bit for bit.
 */
function weightPlane(head: Head, z: number, plane: Float32Array): void {
  const dW = to3(head.domain, 1)[2];
  const [rD, rH, rW] = to3(head.roi, 1);
  const { weights } = head;
  plane.fill(0);
  for (const start of head.starts) {
    const [z0, y0, x0] = to3(start, 0);
    if (z < z0 || z >= z0 + rD) continue;
    const inBase = (z - z0) * rH * rW;
    for (let y = 0; y < rH; y++) {
      const outRow = (y0 + y) * dW + x0;
      const inRow = inBase + y * rW;
      for (let x = 0; x < rW; x++) plane[outRow + x]! += weights[inRow + x]!;
    }
  }
}

function cropHead(run: WindowRun, head: Head): WindowHeadResult {
  const [dD, dH, dW] = to3(head.domain, 1);
  const domainVolume = dD * dH * dW;
  const offset = scaleStart(run.crop.offset, head.roi, run.roi);
  const size = run.crop.size.map((s, a) => scaleStart([run.crop.offset[a]! + s], [head.roi[a]!], [run.roi[a]!])[0]! - offset[a]!);
  const [oD, oH, oW] = to3(offset, 0);
  const [cD, cH, cW] = to3(size, 1);
  const { channels } = head;
  const acc = head.accumulator;
  const plane = new Float32Array(dH * dW);
  // Whole domain (no padding): normalize in place, so the result costs no second output-sized buffer.
  const inPlace = cD === dD && cH === dH && cW === dW;
  const out = inPlace ? acc : new Float32Array(run.samples * cD * cH * cW * channels);
  for (let z = 0; z < cD; z++) {
    weightPlane(head, oD + z, plane);
    for (let s = 0; s < run.samples; s++) {
      let k = (((s * cD + z) * cH) * cW) * channels;
      for (let y = 0; y < cH; y++) {
        for (let x = 0; x < cW; x++) {
          const inv = 1 / plane[(oH + y) * dW + oW + x]!;
          const base = (s * domainVolume + ((oD + z) * dH + oH + y) * dW + oW + x) * channels;
          for (let c = 0; c < channels; c++) out[k++] = acc[base + c]! * inv;
        }
      }
    }
  }
  return { data: out, channels, size };
}
