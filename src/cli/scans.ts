import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PNG } from 'pngjs';
import { closestMatch } from '../core/didYouMean.js';
import { UnetKitError } from '../core/errors.js';
import { readNifti } from '../data/nifti.js';

/** File kinds the CLI reads: NIfTI volumes (`.nii`, `.nii.gz`) and 2D PNG images. */
export type ScanKind = 'nifti' | 'png';

/**
 * One image or label file in memory, C order `[D, H, W]` (D = z, H = y, W = x: the same buffer
 * as NIfTI's x-fastest data). A PNG is one slice, `D = 1`.
 */
export interface Scan {
  /** Case id: the file name without extension and without an nnU-Net channel suffix `_0000`. */
  id: string;
  path: string;
  kind: ScanKind;
  data: Float32Array;
  /** `[D, H, W]`. */
  shape: [number, number, number];
  /** Voxel size in the order of `shape`, `[z, y, x]` (mm; 1 for PNG). */
  spacing: [number, number, number];
  /** NIfTI voxel-to-world matrix (diag(1) for PNG), written back with predictions. */
  affine: number[][];
  /** NIfTI spacing as stored (`[x, y, z]`), written back with predictions. */
  niftiSpacing: number[];
}

const EXTENSIONS = ['.nii.gz', '.nii', '.png'];

/** The kind of a file from its name, or `undefined` for a file the CLI does not read. */
export function scanKind(path: string): ScanKind | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.png')) return 'png';
  if (lower.endsWith('.nii') || lower.endsWith('.nii.gz')) return 'nifti';
  return undefined;
}

/** The case id of a file name: `case_007_0000.nii.gz` -> `case_007` (nnU-Net's channel suffix dropped). */
export function caseId(path: string): string {
  let name = basename(path);
  const ext = EXTENSIONS.find((e) => name.toLowerCase().endsWith(e));
  if (ext !== undefined) name = name.slice(0, -ext.length);
  return name.replace(/_0000$/, '');
}

/**
 * Expands folders, files and comma lists to the readable files they name (sorted; folders not
 * recursed), failing on a path that does not exist or on a folder without scans.
 */
export async function listScanFiles(command: string, flag: string, paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) throw new UnetKitError(`unet-kit ${command}`, `--${flag}`, `names '${path}', which does not exist.`);
    if (info.isDirectory()) {
      const inside = (await readdir(path)).filter((name) => scanKind(name) !== undefined).sort();
      if (inside.length === 0) throw new UnetKitError(`unet-kit ${command}`, `--${flag}`, `names the folder '${path}', which holds no .nii, .nii.gz or .png file.`);
      files.push(...inside.map((name) => join(path, name)));
    } else {
      if (scanKind(path) === undefined) throw new UnetKitError(`unet-kit ${command}`, `--${flag}`, `names '${path}': expected a .nii, .nii.gz or .png file (or a folder of them).`);
      files.push(path);
    }
  }
  const ids = files.map(caseId);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw new UnetKitError(`unet-kit ${command}`, `--${flag}`, `has two files for case '${twice}': ${files.filter((f) => caseId(f) === twice).join(', ')}.`);
  return files;
}

/** Pairs image and label files by case id, failing with the ids that have no partner. */
export function pairByCase(command: string, images: readonly string[], labels: readonly string[], names: [string, string] = ['images', 'labels']): Array<[string, string]> {
  const labelIds = labels.map(caseId);
  const pairs: Array<[string, string]> = [];
  for (const image of images) {
    const id = caseId(image);
    const index = labelIds.indexOf(id);
    if (index < 0) {
      const near = closestMatch(id, labelIds);
      throw new UnetKitError(`unet-kit ${command}`, `--${names[1]}`, `has no file for case '${id}' (from ${image}).${near === undefined ? '' : ` Did you mean '${near}'?`} Files pair by name: scans/${id}.nii.gz with labels/${id}.nii.gz.`);
    }
    pairs.push([image, labels[index]!]);
  }
  const imageIds = new Set(images.map(caseId));
  const extra = labelIds.filter((id) => !imageIds.has(id));
  if (extra.length > 0) throw new UnetKitError(`unet-kit ${command}`, `--${names[0]}`, `has no file for the case(s) ${extra.map((id) => `'${id}'`).join(', ')} found in --${names[1]}.`);
  return pairs;
}

function decodePng(path: string, bytes: Buffer): { data: Float32Array; width: number; height: number } {
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (error) {
    throw new UnetKitError('unet-kit', path, `is not a readable PNG (${(error as Error).message}).`);
  }
  const { width, height } = png;
  const data = new Float32Array(width * height);
  // Grey PNGs decode to R = G = B; for colour images the luminance (ITU-R BT.601) is the intensity.
  for (let i = 0; i < data.length; i++) {
    const r = png.data[4 * i]!;
    const g = png.data[4 * i + 1]!;
    const b = png.data[4 * i + 2]!;
    data[i] = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
  }
  return { data, width, height };
}

/** Reads one NIfTI or PNG file, naming the file in the error when it cannot be read. */
export async function readScan(path: string): Promise<Scan> {
  const kind = scanKind(path);
  if (kind === undefined) throw new UnetKitError('unet-kit', path, 'is neither .nii, .nii.gz nor .png.');
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UnetKitError('unet-kit', path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  const id = caseId(path);
  if (kind === 'png') {
    const { data, width, height } = decodePng(path, bytes);
    const identity = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => (r === c ? 1 : 0)));
    return { id, path, kind, data, shape: [1, height, width], spacing: [1, 1, 1], affine: identity, niftiSpacing: [1, 1, 1] };
  }
  let volume;
  try {
    volume = await readNifti(bytes);
  } catch (error) {
    throw new UnetKitError('unet-kit', path, `is not a readable NIfTI file: ${(error as Error).message}`);
  }
  if (volume.shape.slice(3).some((d) => d !== 1)) {
    throw new UnetKitError('unet-kit', path, `has shape [${volume.shape.join(', ')}]; the CLI reads single-channel 2D/3D volumes (one file per channel is not supported yet).`);
  }
  const [nx = 1, ny = 1, nz = 1] = volume.shape;
  const [sx = 1, sy = 1, sz = 1] = volume.spacing;
  const data = volume.data instanceof Float32Array ? volume.data : Float32Array.from(volume.data as ArrayLike<number>);
  return { id, path, kind, data, shape: [nz, ny, nx], spacing: [sz, sy, sx], affine: volume.affine, niftiSpacing: [sx, sy, sz] };
}

/**
 * Checks that a label map matches its image voxel for voxel: same shape, spacing within 1e-3
 * relative. The message names both files and both geometries.
 */
export function assertSameGeometry(command: string, image: Scan, label: Scan): void {
  const sameShape = image.shape.every((s, i) => s === label.shape[i]);
  const sameSpacing = image.spacing.every((s, i) => Math.abs(s - label.spacing[i]!) <= 1e-3 * Math.max(Math.abs(s), 1));
  if (!sameShape || !sameSpacing) {
    const describe = (s: Scan): string => `[${s.shape.join(', ')}] voxels (z, y, x) at [${s.spacing.map((v) => +v.toFixed(4)).join(', ')}] mm`;
    throw new UnetKitError(
      `unet-kit ${command}`,
      `case '${image.id}'`,
      `has mismatched geometry: ${image.path} is ${describe(image)} but ${label.path} is ${describe(label)}. Resample the labels onto the image grid first.`,
    );
  }
}
