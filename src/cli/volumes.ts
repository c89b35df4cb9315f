import type { Rng } from '../core/rng.js';
import type { TrainingPlan } from './plan.js';
import type { Scan } from './scans.js';

/**
 * The plan's normalization applied to one image (nnU-Net, "intensity normalization"): z-score
 * over the image (`(x - mean) / std`) or with the statistics of its nonzero voxels, or for CT clip to the training foreground's percentiles and
 * z-score with the foreground's statistics, so every CT image shares one scale.
 */
export function normalizeScan(scan: Scan, plan: Pick<TrainingPlan, 'normalization'>): Float32Array {
  const out = new Float32Array(scan.data.length);
  const { normalization } = plan;
  if (normalization.scheme === 'ct') {
    const [lo, hi] = normalization.clip!;
    for (let i = 0; i < out.length; i++) out[i] = (Math.min(hi, Math.max(lo, scan.data[i]!)) - normalization.mean!) / normalization.std!;
    return out;
  }
  // 'nonzero': the statistics of the nonzero voxels only (nnU-Net's use_mask_for_norm), so a
  // scan with more empty field of view gets the same tissue scale. Unlike nnU-Net, which crops
  // to the nonzero box and sets the rest to 0, every voxel is scaled: the air inside the field
  // of view keeps its contrast with tissue instead of reading as the tissue mean.
  const masked = normalization.region === 'nonzero';
  const counted = (v: number): boolean => !masked || v !== 0;
  let n = 0;
  let sum = 0;
  for (const v of scan.data) {
    if (!counted(v)) continue;
    sum += v;
    n++;
  }
  if (n === 0) return out;
  const mean = sum / n;
  let sq = 0;
  for (const v of scan.data) if (counted(v)) sq += (v - mean) ** 2;
  const std = Math.sqrt(sq / n);
  const scale = std > 1e-8 ? 1 / std : 1;
  for (let i = 0; i < out.length; i++) out[i] = (scan.data[i]! - mean) * scale;
  return out;
}

/** Label values -> class indices 0..C-1 (the plan's `labelValues` order). */
export function labelsToClasses(scan: Scan, labelValues: readonly number[]): Uint8Array {
  const lookup = new Map(labelValues.map((v, i) => [v, i]));
  const out = new Uint8Array(scan.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = lookup.get(scan.data[i]!);
    if (c === undefined) throw new Error(`${scan.path} holds the label ${scan.data[i]}, not among the planned classes ${labelValues.join(', ')}.`);
    out[i] = c;
  }
  return out;
}

/** A training case ready for sampling. */
export interface TrainingCase {
  id: string;
  image: Float32Array;
  classes: Uint8Array;
  shape: [number, number, number];
  /** Voxel indices (C order) of every non-background voxel, for foreground oversampling. */
  foreground: Int32Array;
}

/** Builds a {@link TrainingCase} from an image and its label map. */
export function trainingCase(image: Scan, label: Scan, plan: TrainingPlan): TrainingCase {
  const classes = labelsToClasses(label, plan.labelValues);
  let count = 0;
  for (const c of classes) if (c !== 0) count++;
  const foreground = new Int32Array(count);
  let j = 0;
  for (let i = 0; i < classes.length; i++) if (classes[i] !== 0) foreground[j++] = i;
  return { id: image.id, image: normalizeScan(image, plan), classes, shape: image.shape, foreground };
}

/** One batch in channels-last layout: `x` `[B, ...patch, channels]`, `y` one-hot `[B, ...patch, C]`. */
export interface PatchBatch {
  x: Float32Array;
  y: Float32Array;
  xShape: number[];
  yShape: number[];
}

function startFor(size: number, patch: number, centre: number | undefined, rng: Rng): number {
  const lo = Math.min(0, size - patch);
  const hi = Math.max(0, size - patch);
  if (centre === undefined) return rng.integer(lo, hi + 1);
  return Math.min(hi, Math.max(lo, centre - (patch >> 1)));
}

/**
 * The extra augmentation of `--augment full`, after nnU-Net's default pipeline (Isensee et al.
 * 2021, supplementary "data augmentation"), at the API demo's milder settings: per sample, with
 * probability 0.3 an in-plane rotation in [-15, 15] degrees and zoom in [0.85, 1.15] (axial
 * only, also in 3D, as nnU-Net does for anisotropic data), image bilinear and labels nearest;
 * with probability 0.15 a brightness factor in [0.85, 1.15]; with probability 0.15 gaussian
 * noise of a std in [0, 0.1] (of the normalized intensities).
 *
 * @example `FULL_AUGMENTATION.rotationDeg` is `15`.
 */
export const FULL_AUGMENTATION = { spatialP: 0.3, rotationDeg: 15, zoom: [0.85, 1.15], brightnessP: 0.15, brightness: [0.85, 1.15], noiseP: 0.15, noiseStd: 0.1 } as const;

/** Bilinear read of slice `z` of `image` at the real position (fy, fx); 0 outside the slice. */
function bilinear(image: Float32Array, z: number, H: number, W: number, fy: number, fx: number): number {
  const y0 = Math.floor(fy);
  const x0 = Math.floor(fx);
  const ty = fy - y0;
  const tx = fx - x0;
  let sum = 0;
  for (const [yy, wy] of [[y0, 1 - ty], [y0 + 1, ty]] as const) {
    if (yy < 0 || yy >= H || wy === 0) continue;
    for (const [xx, wx] of [[x0, 1 - tx], [x0 + 1, tx]] as const) {
      if (xx < 0 || xx >= W || wx === 0) continue;
      sum += wy * wx * image[(z * H + yy) * W + xx]!;
    }
  }
  return sum;
}

/**
 * Samples a batch of random patches, half of them centred on a random foreground voxel
 * (nnU-Net oversamples foreground in a third of each batch; half suits the small datasets a CLI
 * user starts with), each mirrored along every spatial axis with probability 1/2, and with the
 * plan's `augment: 'full'` also rotated, zoomed, brightened and noised (see
 * {@link FULL_AUGMENTATION}). Outside the image the patch reads 0 and background.
 * 2D and 2.5D patches are axial (`[H, W]` of one z slice); 2.5D adds the slices z - 1 and z + 1
 * as channels, edges replicated, as `sliceStacks` does at prediction time.
 */
export function sampleBatch(cases: readonly TrainingCase[], plan: TrainingPlan, rng: Rng): PatchBatch {
  const { patchSize, batchSize, channels } = plan;
  const numClasses = plan.labelValues.length;
  const three = plan.dims === '3';
  const full = plan.augment === 'full';
  const A = FULL_AUGMENTATION;
  const [pd, ph, pw] = three ? patchSize : [1, ...patchSize];
  const voxels = pd! * ph! * pw!;
  const x = new Float32Array(batchSize * voxels * channels);
  const y = new Float32Array(batchSize * voxels * numClasses);
  for (let b = 0; b < batchSize; b++) {
    const item = cases[rng.integer(0, cases.length)]!;
    const [D, H, W] = item.shape;
    let centre: [number, number, number] | undefined;
    if (item.foreground.length > 0 && rng.bernoulli(0.5)) {
      const index = item.foreground[rng.integer(0, item.foreground.length)]!;
      centre = [Math.floor(index / (H * W)), Math.floor(index / W) % H, index % W];
    }
    const z0 = three ? startFor(D, pd!, centre?.[0], rng) : (centre?.[0] ?? rng.integer(0, D));
    const y0 = startFor(H, ph!, centre?.[1], rng);
    const x0 = startFor(W, pw!, centre?.[2], rng);
    const flipZ = three && rng.bernoulli(0.5);
    const flipY = rng.bernoulli(0.5);
    const flipX = rng.bernoulli(0.5);
    // Output (dy, dx) -> source: rotate and zoom about the patch centre (zoom > 1 magnifies).
    let rotate: { cos: number; sin: number } | undefined;
    let gain = 1;
    let noise = 0;
    if (full) {
      if (rng.bernoulli(A.spatialP)) {
        const angle = (rng.uniform(-A.rotationDeg, A.rotationDeg) * Math.PI) / 180;
        const zoom = rng.uniform(A.zoom[0], A.zoom[1]);
        rotate = { cos: Math.cos(angle) / zoom, sin: Math.sin(angle) / zoom };
      }
      if (rng.bernoulli(A.brightnessP)) gain = rng.uniform(A.brightness[0], A.brightness[1]);
      if (rng.bernoulli(A.noiseP)) noise = rng.uniform(0, A.noiseStd);
    }
    const cy = (ph! - 1) / 2;
    const cx = (pw! - 1) / 2;
    for (let dz = 0; dz < pd!; dz++) {
      for (let dy = 0; dy < ph!; dy++) {
        for (let dx = 0; dx < pw!; dx++) {
          const z = z0 + (flipZ ? pd! - 1 - dz : dz);
          const oy = flipY ? ph! - 1 - dy : dy;
          const ox = flipX ? pw! - 1 - dx : dx;
          const fy = rotate === undefined ? y0 + oy : y0 + cy + rotate.cos * (oy - cy) - rotate.sin * (ox - cx);
          const fx = rotate === undefined ? x0 + ox : x0 + cx + rotate.sin * (oy - cy) + rotate.cos * (ox - cx);
          const yy = Math.round(fy);
          const xx = Math.round(fx);
          const out = b * voxels + (dz * ph! + dy) * pw! + dx;
          const inside = z >= 0 && z < D && yy >= 0 && yy < H && xx >= 0 && xx < W;
          const cls = inside ? item.classes[(z * H + yy) * W + xx]! : 0;
          y[out * numClasses + cls] = 1;
          if (!inside) continue;
          for (let c = 0; c < channels; c++) {
            const zc = channels === 1 ? z : Math.min(D - 1, Math.max(0, z + c - (channels >> 1)));
            const v = rotate === undefined ? item.image[(zc * H + yy) * W + xx]! : bilinear(item.image, zc, H, W, fy, fx);
            x[out * channels + c] = full ? v * gain + (noise > 0 ? rng.normal(0, noise) : 0) : v;
          }
        }
      }
    }
  }
  return { x, y, xShape: [batchSize, ...patchSize, channels], yShape: [batchSize, ...patchSize, numClasses] };
}
