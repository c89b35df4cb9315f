import { UnetKitError } from '../core/errors.js';
import type { Scan } from './scans.js';

/** Spatial layout of the network: 2D slices, 2.5D slice stacks (k = 3) or 3D patches. */
export type PlanDims = '2' | '2.5' | '3';

/** Intensity normalization: z-score per image (MRI, PNG) or a clipped window then z-score (CT). */
export interface Normalization {
  scheme: 'zscore' | 'ct';
  /**
   * z-score only: the mean and std of the whole image (`'image'`, the default when absent) or
   * of its nonzero voxels (`'nonzero'`, after nnU-Net's `use_mask_for_norm`: for scans whose
   * field of view holds varying amounts of zero background), applied to every voxel.
   */
  region?: 'image' | 'nonzero';
  /** CT only: intensity percentiles 0.5 / 99.5 of the training foreground (nnU-Net's clip). */
  clip?: [number, number];
  /** CT only: mean and std of the clipped training foreground. */
  mean?: number;
  std?: number;
}

/** Everything `predict` needs to redo what `train` did; saved as `plan.json` in the run dir. */
export interface TrainingPlan {
  dims: PlanDims;
  /** Input channels of the network (k = 3 adjacent slices for 2.5D, else 1). */
  channels: number;
  /** Training patch (and sliding window) `[H, W]` or `[D, H, W]` in voxels. */
  patchSize: number[];
  batchSize: number;
  filters: number[];
  model: string;
  /** Training augmentation: mirroring only (absent or `'mirror'`) or `'full'` (see `FULL_AUGMENTATION`). */
  augment?: 'mirror' | 'full';
  /** Label values in the training labels, in order: network class i is `labelValues[i]`. */
  labelValues: number[];
  modality: 'mri' | 'ct';
  normalization: Normalization;
  /** Median voxel size and shape over the training cases, `[z, y, x]`. */
  medianSpacing: number[];
  medianShape: number[];
  /** What the batch size was sized for (bytes). */
  memoryBudget: number;
  /** Estimated activation memory of one sample (bytes). */
  bytesPerSample: number;
  notes: string[];
}

/** Inputs the planner takes from the command line; each overrides what the data would give. */
export interface PlanRequest {
  dims: PlanDims;
  model: string;
  /** Training augmentation. Default 'mirror'. */
  augment?: 'mirror' | 'full';
  modality: 'auto' | 'mri' | 'ct';
  /** z-score over the image or over its nonzero voxels (see {@link Normalization.region}). Default 'image'. */
  normRegion?: 'image' | 'nonzero';
  classes?: number;
  /** The label value that is background (class 0 of the network: left out of the Dice loss and of foreground sampling). Default: the smallest. */
  background?: number;
  patchSize?: number[];
  batchSize?: number;
  filters?: number[];
  /** Bytes available for one batch's activations. */
  memoryBudget: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Percentile with linear interpolation (numpy's default), on an unsorted sample. */
function percentileOf(values: Float32Array, q: number): number {
  const sorted = Float32Array.from(values).sort();
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

// Voxel budgets per patch (nnU-Net targets GPU memory; these keep a CPU epoch in seconds).
const PATCH_BUDGET = { 2: 128 * 128, 3: 64 * 64 * 64 } as const;

/**
 * nnU-Net's patch planning, simplified (Isensee et al. 2021, "nnU-Net", Methods: "network
 * topology and patch size"): start from the median image shape, and while the patch holds more
 * voxels than the budget, shrink the axis that is longest in millimetres; round each axis down to
 * a multiple of the network's total down-sampling, never above the image.
 */
export function planPatchSize(medianShape: readonly number[], medianSpacing: readonly number[], spatialDims: 2 | 3, levels: number): number[] {
  const shape = spatialDims === 3 ? [...medianShape] : medianShape.slice(1);
  const spacing = spatialDims === 3 ? [...medianSpacing] : medianSpacing.slice(1);
  const patch = [...shape];
  const budget = PATCH_BUDGET[spatialDims];
  const product = (p: number[]): number => p.reduce((a, b) => a * b, 1);
  while (product(patch) > budget) {
    let axis = 0;
    for (let i = 1; i < patch.length; i++) if (patch[i]! * spacing[i]! > patch[axis]! * spacing[axis]!) axis = i;
    patch[axis] = Math.max(1, Math.floor(patch[axis]! * 0.9));
  }
  const multiple = 2 ** (levels - 1);
  return patch.map((p, i) => Math.min(shape[i]!, Math.max(multiple, Math.floor(p / multiple) * multiple)));
}

/**
 * Down-sampling levels: pool while every patch axis stays >= 8 voxels at the bottom (nnU-Net
 * stops at 4; 8 keeps a 3x3 conv meaningful on small CPU patches), between 2 and 5 levels.
 */
export function planLevels(shape: readonly number[]): number {
  const smallest = Math.min(...shape);
  return Math.max(2, Math.min(5, Math.floor(Math.log2(Math.max(smallest, 1) / 8)) + 1));
}

/**
 * Activation memory of one training sample, bytes: per level, the feature maps of two conv
 * units (conv, norm, activation outputs, kept for the backward pass, and their gradients),
 * float32: `sum_l voxels / 2^(dims * l) * filters_l * 6 tensors * 2 (grads) * 4 bytes`, the
 * decoder doubling the encoder.
 */
export function bytesPerSample(patch: readonly number[], filters: readonly number[], channels: number): number {
  const voxels = patch.reduce((a, b) => a * b, 1) * channels;
  let total = voxels * 4;
  filters.forEach((f, level) => {
    const atLevel = voxels / channels / 2 ** (patch.length * level);
    total += atLevel * f * 6 * 2 * 4 * (level === filters.length - 1 ? 1 : 2);
  });
  return Math.ceil(total);
}

/**
 * Plans a training run from the training cases as nnU-Net's experiment planner does: median
 * spacing and shape, patch size from them (see {@link planPatchSize}), filters 16 doubling per
 * level up to 128 (nnU-Net: 32 up to 320, halved for the CPU), normalization by modality
 * (z-score per image for MRI; CT: clip to the foreground's 0.5 / 99.5 percentiles, then z-score
 * with the foreground's mean and std), and the batch size that fits `memoryBudget`, at least 2
 * and at most 5% of the dataset's voxels per batch (nnU-Net's cap).
 */
export function makePlan(images: readonly Scan[], labels: readonly Scan[], request: PlanRequest): TrainingPlan {
  const fn = 'unet-kit train';
  const notes: string[] = [];
  const medianSpacing = [0, 1, 2].map((i) => median(images.map((s) => s.spacing[i]!)));
  const medianShape = [0, 1, 2].map((i) => median(images.map((s) => s.shape[i]!)));
  const spatialDims = request.dims === '3' ? 3 : 2;
  if (spatialDims === 3 && images.some((s) => s.shape[0] < 8)) {
    throw new UnetKitError(fn, '--dims', `is 3 but some images have fewer than 8 slices (${images.filter((s) => s.shape[0] < 8).map((s) => `${s.id}: ${s.shape[0]}`).join(', ')}); use --dims 2 or 2.5.`);
  }
  const values = new Set<number>();
  for (const label of labels) {
    for (const v of label.data) {
      if (!Number.isInteger(v) || v < 0) throw new UnetKitError(fn, label.path, `holds the label value ${v}; labels must be integers >= 0.`);
      values.add(v);
    }
  }
  let labelValues = [...values].sort((a, b) => a - b);
  if (request.classes !== undefined) {
    const max = labelValues.at(-1) ?? 0;
    if (max >= request.classes) throw new UnetKitError(fn, '--classes', `is ${request.classes} but the labels hold the value ${max}; labels must be 0..${request.classes - 1}.`);
    labelValues = Array.from({ length: request.classes }, (_, i) => i);
  } else {
    notes.push(`classes inferred from the labels: values ${labelValues.join(', ')}`);
  }
  if (labelValues.length < 2) throw new UnetKitError(fn, '--labels', `hold only the value ${labelValues[0]}; a segmentation needs at least two classes.`);
  if (request.background !== undefined && request.background !== labelValues[0]) {
    // Network class 0 is the background: the Dice term and the foreground oversampling leave it out.
    if (!labelValues.includes(request.background)) throw new UnetKitError(fn, '--background', `is ${request.background} but the labels hold only the values ${labelValues.join(', ')}.`);
    labelValues = [request.background, ...labelValues.filter((v) => v !== request.background)];
    notes.push(`background label value ${request.background} (network class 0)`);
  }

  let modality: 'mri' | 'ct';
  if (request.modality === 'auto') {
    // Hounsfield units go down to -1024 (air); MRI and PNG intensities are never that negative.
    const lowest = Math.min(...images.map((s) => s.data.reduce((m, v) => (v < m ? v : m), Infinity)));
    modality = lowest < -500 ? 'ct' : 'mri';
    notes.push(`modality ${modality} (lowest intensity ${+lowest.toFixed(2)}${modality === 'ct' ? ' < -500: Hounsfield units' : ''}); set --modality to override`);
  } else modality = request.modality;

  let normalization: Normalization = { scheme: 'zscore', ...(request.normRegion === 'nonzero' ? { region: 'nonzero' as const } : {}) };
  if (modality === 'ct' && request.normRegion === 'nonzero') throw new UnetKitError(fn, '--norm-region', 'is nonzero but the modality is CT, whose normalization is a fixed clip window from the training foreground; leave --norm-region out.');
  if (modality === 'ct') {
    const foreground: number[] = [];
    images.forEach((image, c) => {
      const label = labels[c]!;
      const stride = Math.max(1, Math.floor(image.data.length / 100_000));
      for (let i = 0; i < image.data.length; i += stride) if (label.data[i] !== labelValues[0]) foreground.push(image.data[i]!);
    });
    const sample = Float32Array.from(foreground.length > 0 ? foreground : images[0]!.data);
    const clip: [number, number] = [percentileOf(sample, 0.5), percentileOf(sample, 99.5)];
    let sum = 0;
    let sq = 0;
    for (const v of sample) {
      const c = Math.min(clip[1], Math.max(clip[0], v));
      sum += c;
      sq += c * c;
    }
    const mean = sum / sample.length;
    const std = Math.sqrt(Math.max(sq / sample.length - mean * mean, 1e-12));
    normalization = { scheme: 'ct', clip, mean, std };
  }

  const channels = request.dims === '2.5' ? 3 : 1;
  const inPlane = spatialDims === 3 ? medianShape : medianShape.slice(1);
  const levels = request.filters?.length ?? planLevels(request.patchSize ?? inPlane.map((s) => Math.min(s, spatialDims === 3 ? 64 : 128)));
  const patchSize = request.patchSize ?? planPatchSize(medianShape, medianSpacing, spatialDims, levels);
  if (patchSize.length !== spatialDims) throw new UnetKitError(fn, '--patch-size', `has ${patchSize.length} sizes; --dims ${request.dims} needs ${spatialDims}.`);
  const multiple = 2 ** (levels - 1);
  if (patchSize.some((p) => p % multiple !== 0)) throw new UnetKitError(fn, '--patch-size', `is [${patchSize.join(', ')}]; with ${levels} levels each size must be a multiple of ${multiple}.`);
  const filters = request.filters ?? Array.from({ length: levels }, (_, i) => Math.min(128, 16 * 2 ** i));
  const perSample = bytesPerSample(patchSize, filters, channels);
  let batchSize = request.batchSize ?? Math.max(2, Math.min(32, Math.floor(request.memoryBudget / perSample)));
  if (request.batchSize === undefined) {
    const patchVoxels = patchSize.reduce((a, b) => a * b, 1);
    const datasetVoxels = images.reduce((sum, s) => sum + s.data.length, 0);
    const cap = Math.max(2, Math.floor((0.05 * datasetVoxels) / patchVoxels));
    if (cap < batchSize) notes.push(`batch size capped at 5% of the dataset's voxels (${cap})`);
    batchSize = Math.min(batchSize, cap);
  }
  return {
    dims: request.dims,
    channels,
    patchSize,
    batchSize,
    filters,
    model: request.model,
    ...(request.augment === 'full' ? { augment: 'full' as const } : {}),
    labelValues,
    modality,
    normalization,
    medianSpacing,
    medianShape,
    memoryBudget: request.memoryBudget,
    bytesPerSample: perSample,
    notes,
  };
}

/** The plan as the lines `train` prints before it starts. */
export function describePlan(plan: TrainingPlan, cases: { train: number; val: number }): string[] {
  const mm = plan.medianSpacing.map((s) => +s.toFixed(3)).join(' x ');
  const norm = plan.normalization.scheme === 'ct'
    ? `CT: clip to [${plan.normalization.clip!.map((v) => +v.toFixed(1)).join(', ')}], then z-score (mean ${plan.normalization.mean!.toFixed(1)}, std ${plan.normalization.std!.toFixed(1)})`
    : plan.normalization.region === 'nonzero'
      ? 'z-score with the mean and std of the nonzero voxels of each image'
      : 'z-score per image (MRI / 2D images)';
  return [
    `plan: ${plan.dims === '2.5' ? '2.5D (3 adjacent slices as channels)' : `${plan.dims}D`} ${plan.model}, filters [${plan.filters.join(', ')}]`,
    `  cases: ${cases.train} training, ${cases.val} validation; median shape (z, y, x) ${plan.medianShape.join(' x ')} voxels at ${mm} mm`,
    `  patch ${plan.patchSize.join(' x ')} voxels, batch ${plan.batchSize} (${(plan.bytesPerSample / 2 ** 20).toFixed(1)} MiB of activations per sample, budget ${(plan.memoryBudget / 2 ** 20).toFixed(0)} MiB)`,
    `  classes ${plan.labelValues.length} (label values ${plan.labelValues.join(', ')}), normalization ${norm}`,
    `  augmentation: ${plan.augment === 'full' ? 'mirroring, rotation and zoom, brightness, noise' : 'mirroring'}`,
    ...plan.notes.map((n) => `  note: ${n}`),
  ];
}
