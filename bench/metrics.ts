// HD95 (and ASSD, NSD) of 128x128x62 mask pairs with spacing [2, 2, 3]: a sphere-ish blob and a
// shifted, perturbed copy; the same with blobs filling the volume; and, when the shared ITK brain
// volume is present, its real brain mask against its k-means tissue labels >= 5.
// Prints one JSON object. Run: node --import tsx bench/metrics.ts
import { existsSync, readFileSync } from 'node:fs';
import { createRng } from '../src/core/rng.js';
import { readNifti } from '../src/data/nifti.js';
import { averageSurfaceDistance } from '../src/metrics/averageSurfaceDistance.js';
import { hausdorffDistance } from '../src/metrics/hausdorff.js';
import { normalizedSurfaceDice } from '../src/metrics/surfaceDice.js';

const shape = [128, 128, 62] as const;
const spacing = [2, 2, 3];
const [H, W, D] = shape;
const voxels = H * W * D;

/** An ellipsoid (radius in mm) with a seeded wobble of its radius, centred at `centre` (voxels). */
function blob(centre: [number, number, number], radiusMm: number, wobble: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  const phase = [rng.uniform(0, 6.28), rng.uniform(0, 6.28), rng.uniform(0, 6.28)];
  const mask = new Uint8Array(voxels);
  let i = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let z = 0; z < D; z++, i++) {
        const dy = (y - centre[0]) * spacing[0]!;
        const dx = (x - centre[1]) * spacing[1]!;
        const dz = (z - centre[2]) * spacing[2]!;
        const r = Math.hypot(dy, dx, dz);
        const theta = Math.atan2(dy, dx);
        const limit = radiusMm * (1 + wobble * Math.sin(3 * theta + phase[0]!) * Math.cos((2 * dz) / radiusMm + phase[1]!));
        mask[i] = r <= limit ? 1 : 0;
      }
    }
  }
  return mask;
}

const target = { data: blob([64, 64, 31], 60, 0, 1), shape: [1, H, W, D, 1] };
const pred = { data: blob([67, 62, 32], 57, 0.08, 2), shape: [1, H, W, D, 1] };

function time<T>(fn: () => T, repeats: number): { value: T; ms: number[] } {
  const ms: number[] = [];
  let value!: T;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    value = fn();
    ms.push(performance.now() - t0);
  }
  return { value, ms };
}

// A pair whose union spans the whole volume, so the crop to the bounding box saves nothing.
const bigTarget = { data: blob([64, 64, 31], 118, 0, 3), shape: [1, H, W, D, 1] };
const bigPred = { data: blob([62, 66, 30], 112, 0.1, 4), shape: [1, H, W, D, 1] };

/** A uint8 NIfTI fixture as a [z, y, x] mask (x fastest, as NIfTI stores it) with its spacing. */
async function readUint8Nifti(path: string): Promise<{ data: Uint8Array; shape: number[]; spacing: number[] }> {
  const volume = await readNifti(readFileSync(path));
  const [nx, ny, nz] = volume.shape as [number, number, number];
  const [sx, sy, sz] = volume.spacing as [number, number, number];
  return { data: Uint8Array.from(volume.data), shape: [nz, ny, nx], spacing: [sz, sy, sx] };
}

const dataDir = new URL('../examples/data/itk-brain-t1', import.meta.url).pathname;
let real: { pred: { data: Uint8Array; shape: number[] }; target: { data: Uint8Array; shape: number[] }; spacing: number[] } | undefined;
if (existsSync(`${dataDir}/KmeansTest_T1RawSkullStrip.nii.gz`)) {
  const brain = await readUint8Nifti(`${dataDir}/KmeansTest_T1RawSkullStrip.nii.gz`);
  const tissue = await readUint8Nifti(`${dataDir}/KmeansTest_T1KmeansPrelimSegmentation.nii.gz`);
  real = {
    target: { data: brain.data.map((v) => (v !== 0 ? 1 : 0)), shape: [1, ...brain.shape, 1] },
    pred: { data: tissue.data.map((v) => (v >= 5 ? 1 : 0)), shape: [1, ...tissue.shape, 1] },
    spacing: brain.spacing,
  };
}

const repeats = 5;
const hd95 = time(() => hausdorffDistance(pred, target, { percentile: 95, spacing }), repeats);
const hd = time(() => hausdorffDistance(pred, target, { spacing }), repeats);
const hd95Full = time(() => hausdorffDistance(bigPred, bigTarget, { percentile: 95, spacing }), repeats);
const r = real;
const hd95Real = r === undefined ? undefined : time(() => hausdorffDistance(r.pred, r.target, { percentile: 95, spacing: r.spacing }), repeats);
const assd = time(() => averageSurfaceDistance(pred, target, { symmetric: true, spacing }), repeats);
const nsd = time(() => normalizedSurfaceDice(pred, target, { tolerance: 2, spacing }), repeats);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const count = (m: Uint8Array): number => m.reduce((a, b) => a + b, 0);

console.log(
  JSON.stringify(
    {
      bench: 'metrics/hd95',
      shape: [...shape],
      spacing,
      foregroundVoxels: { pred: count(pred.data), target: count(target.data) },
      node: process.version,
      repeats,
      hd95: { value: hd95.value[0]![0], medianMs: median(hd95.ms), ms: hd95.ms.map((x) => +x.toFixed(1)) },
      hd95WholeVolume: {
        value: hd95Full.value[0]![0],
        foregroundVoxels: { pred: count(bigPred.data), target: count(bigTarget.data) },
        medianMs: median(hd95Full.ms),
        ms: hd95Full.ms.map((x) => +x.toFixed(1)),
      },
      hd95RealBrain:
        r === undefined || hd95Real === undefined
          ? 'skipped: examples/data/itk-brain-t1 not found'
          : {
              pair: 'skull-strip brain mask (target) vs k-means tissue labels >= 5 (pred)',
              shapeZYX: r.target.shape.slice(1, -1),
              spacingZYX: r.spacing,
              foregroundVoxels: { pred: count(r.pred.data), target: count(r.target.data) },
              value: hd95Real.value[0]![0],
              medianMs: median(hd95Real.ms),
              ms: hd95Real.ms.map((x) => +x.toFixed(1)),
            },
      hd: { value: hd.value[0]![0], medianMs: median(hd.ms) },
      assd: { value: assd.value[0]![0], medianMs: median(assd.ms) },
      nsd2mm: { value: nsd.value[0]![0], medianMs: median(nsd.ms) },
    },
    null,
    2,
  ),
);
