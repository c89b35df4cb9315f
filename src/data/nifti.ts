import * as tf from '@tensorflow/tfjs-core';
import type * as NiftiReader from 'nifti-reader-js';
import { assertBoolean, assertKnownKeys, assertNumberArray, assertOneOf, assertOptionsObject, assertRank, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { formatValue } from '../core/format.js';

/** Voxel types unet-kit reads and writes (NIfTI datatype codes 2, 4, 8, 16, 64, 256, 512, 768). */
// nifti-reader-js ships ESM only; a dynamic import keeps unet-kit's CJS build loadable with
// require() (Node resolves the import natively) while browser bundlers still bundle it.
let readerModule: Promise<typeof NiftiReader> | undefined;
function loadReader(): Promise<typeof NiftiReader> {
  return (readerModule ??= import('nifti-reader-js'));
}

export type NiftiDatatype = 'uint8' | 'int16' | 'int32' | 'float32' | 'float64' | 'int8' | 'uint16' | 'uint32';

/** The typed array matching a {@link NiftiDatatype}. */
export type NiftiTypedArray = Uint8Array | Int16Array | Int32Array | Float32Array | Float64Array | Int8Array | Uint16Array | Uint32Array;

/**
 * A NIfTI image in memory. Axis order is NIfTI's: `shape` is `[nx, ny, nz, ...]` and `data` is
 * x-fastest (voxel (i, j, k) at `i + nx * (j + ny * k)`). Read as a C-order (row-major) array,
 * the same buffer is `[nz, ny, nx]`, which {@link niftiToTensor} uses: `[1, D, H, W, 1]` with
 * D = z, H = y, W = x, without copying or transposing.
 */
export interface NiftiVolume {
  /** Voxel values, x fastest. */
  data: NiftiTypedArray;
  /** Sizes in NIfTI order `[nx, ny, nz, ...]`. */
  shape: number[];
  /** Voxel size per axis of `shape` (pixdim, e.g. mm). */
  spacing: number[];
  /** 4 x 4 voxel-index (i, j, k, 1) -> world (mm) matrix: the sform when its code is set, else the qform, else diag(spacing) (nibabel's `get_best_affine`). */
  affine: number[][];
  /** Voxel type of `data`. */
  datatype: NiftiDatatype;
}

const CODES: Record<NiftiDatatype, { code: number; bits: number; make: (b: ArrayBuffer) => NiftiTypedArray }> = {
  uint8: { code: 2, bits: 8, make: (b) => new Uint8Array(b) },
  int16: { code: 4, bits: 16, make: (b) => new Int16Array(b) },
  int32: { code: 8, bits: 32, make: (b) => new Int32Array(b) },
  float32: { code: 16, bits: 32, make: (b) => new Float32Array(b) },
  float64: { code: 64, bits: 64, make: (b) => new Float64Array(b) },
  int8: { code: 256, bits: 8, make: (b) => new Int8Array(b) },
  uint16: { code: 512, bits: 16, make: (b) => new Uint16Array(b) },
  uint32: { code: 768, bits: 32, make: (b) => new Uint32Array(b) },
};

function datatypeOf(array: unknown): NiftiDatatype | undefined {
  for (const [name, spec] of Object.entries(CODES)) {
    if (array instanceof spec.make(new ArrayBuffer(0)).constructor) return name as NiftiDatatype;
  }
  return undefined;
}

function toArrayBuffer(buffer: ArrayBuffer | ArrayBufferView): ArrayBuffer {
  if (buffer instanceof ArrayBuffer) return buffer;
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return bytes.slice().buffer;
}

/** Reverses the bytes of each `size`-byte item (big-endian file on a little-endian machine). */
function swapBytes(buffer: ArrayBuffer, size: number): ArrayBuffer {
  const bytes = new Uint8Array(buffer.slice(0));
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  return bytes.buffer;
}

/** Bytes of a NIfTI-1 header, the smallest file readNifti can parse. */
const NIFTI1_HEADER_BYTES = 348;

/** Options of {@link readNifti}. */
export interface ReadNiftiOptions {
  /** Apply `scl_slope` / `scl_inter` when they are not the identity, giving float32 data. Default true. */
  applyScaling?: boolean;
}

/**
 * Reads a NIfTI-1 or NIfTI-2 file (`.nii` or gzip-compressed `.nii.gz`) from bytes, through
 * `nifti-reader-js` (loaded on first use; pure JavaScript, with gzip by `fflate`: the same code in Node and browsers,
 * e.g. from `fs.readFileSync` or `await (await fetch(url)).arrayBuffer()`).
 *
 * @returns typed data (x fastest), shape `[nx, ny, nz, ...]`, spacing, affine, datatype.
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { niftiToTensor, readNifti } from 'unet-kit/data';
 *
 * const volume = await readNifti(await readFile('brain.nii.gz'));
 * volume.shape;   // [128, 128, 62]
 * const x = niftiToTensor(volume); // [1, 62, 128, 128, 1] = [N, D, H, W, C]
 * ```
 */
export async function readNifti(buffer: ArrayBuffer | ArrayBufferView, options: ReadNiftiOptions = {}): Promise<NiftiVolume> {
  const fn = 'readNifti';
  if (!(buffer instanceof ArrayBuffer) && !ArrayBuffer.isView(buffer)) fail(fn, 'buffer', buffer, 'an ArrayBuffer or a Uint8Array/Buffer of the file');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['applyScaling']);
  const { applyScaling = true } = options;
  assertBoolean(fn, 'options.applyScaling', applyScaling);
  const nifti = await loadReader();
  let bytes = toArrayBuffer(buffer);
  // isCompressed reads two bytes through a DataView: a RangeError on an empty buffer.
  if (bytes.byteLength >= 2 && nifti.isCompressed(bytes)) {
    try {
      bytes = nifti.decompress(bytes) as ArrayBuffer;
    } catch (error) {
      throw new UnetKitError(fn, 'buffer', `looks gzip-compressed but does not decompress (${(error as Error).message}); is the file truncated?`);
    }
  }
  // Smaller than a NIfTI-1 header: nifti-reader-js would throw a raw RangeError reading the magic.
  if (bytes.byteLength < NIFTI1_HEADER_BYTES) {
    throw new UnetKitError(fn, 'buffer', `holds ${bytes.byteLength} bytes, fewer than a NIfTI header (${NIFTI1_HEADER_BYTES}); is the file empty or truncated?`);
  }
  if (!nifti.isNIFTI(bytes)) {
    throw new UnetKitError(fn, 'buffer', `is not a NIfTI-1/NIfTI-2 file (${bytes.byteLength} bytes; no 'n+1', 'ni1', 'n+2' magic).`);
  }
  const damaged = (what: string): UnetKitError => new UnetKitError(fn, 'buffer', `has a NIfTI magic but ${what}; is the file damaged?`);
  let header: ReturnType<typeof nifti.readHeader>;
  try {
    header = nifti.readHeader(bytes);
  } catch (error) {
    throw damaged(`its header could not be parsed (${(error as Error).message})`);
  }
  if (header === null) throw new UnetKitError(fn, 'buffer', 'has a NIfTI magic but its header could not be parsed.');
  const entry = Object.entries(CODES).find(([, spec]) => spec.code === header.datatypeCode);
  if (!entry) {
    throw new UnetKitError(fn, 'buffer', `has NIfTI datatype code ${header.datatypeCode} (${header.getDatatypeCodeString(header.datatypeCode)}); supported: ${Object.keys(CODES).join(', ')}.`);
  }
  const [datatype, spec] = entry as [NiftiDatatype, (typeof CODES)[NiftiDatatype]];
  const rank = header.dims[0]!;
  if (!Number.isInteger(rank) || rank < 1 || rank > 7) throw damaged(`its dim[0] (the rank) is ${rank}; expected 1 to 7`);
  const shape = header.dims.slice(1, rank + 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 1)) throw damaged(`its dimensions are ${formatValue(shape)}; expected positive integers`);
  const count = shape.reduce((a, b) => a * b, 1);
  const voxelBytes = (count * spec.bits) / 8;
  const offset = header.vox_offset;
  if (!Number.isSafeInteger(voxelBytes) || !Number.isFinite(offset) || offset < 0 || offset + voxelBytes > bytes.byteLength) {
    throw new UnetKitError(
      fn,
      'buffer',
      `holds ${Math.max(0, bytes.byteLength - (Number.isFinite(offset) ? offset : 0))} bytes of voxels; shape ${formatValue(shape)} of ${datatype} needs ${voxelBytes}. Is the file truncated?`,
    );
  }
  let image: ArrayBuffer;
  try {
    image = nifti.readImage(header, bytes);
  } catch (error) {
    throw damaged(`its voxels could not be read (${(error as Error).message})`);
  }
  if (image.byteLength < voxelBytes) {
    throw new UnetKitError(fn, 'buffer', `holds ${image.byteLength} bytes of voxels; shape ${formatValue(shape)} of ${datatype} needs ${voxelBytes}. Is the file truncated?`);
  }
  if (!header.littleEndian && spec.bits > 8) image = swapBytes(image, spec.bits / 8);
  let data: NiftiTypedArray = spec.make(image);
  let outType = datatype;
  const slope = header.scl_slope;
  const inter = header.scl_inter;
  if (applyScaling && Number.isFinite(slope) && slope !== 0 && !(slope === 1 && (inter === 0 || !Number.isFinite(inter)))) {
    const scaled = new Float32Array(data.length);
    const offset = Number.isFinite(inter) ? inter : 0;
    for (let i = 0; i < data.length; i++) scaled[i] = data[i]! * slope + offset;
    data = scaled;
    outType = 'float32';
  }
  let affine = header.affine.map((row) => [...row]);
  if (header.sform_code > 0 && header instanceof nifti.NIFTI1) {
    // nifti-reader-js prefers the qform when its code is higher; nibabel (and most tools) take the sform whenever it is set.
    const view = new DataView(bytes, 280, 48);
    affine = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => view.getFloat32((r * 4 + c) * 4, header.littleEndian)));
    affine.push([0, 0, 0, 1]);
  }
  return { data, shape, spacing: header.pixDims.slice(1, rank + 1), affine, datatype: outType };
}

/** Options of {@link writeNifti}. */
export interface WriteNiftiOptions {
  /** Gzip the file (`.nii.gz`), with the platform's `CompressionStream` (Node >= 18 and browsers). Default false. */
  gzip?: boolean;
  /** Text for the header's `descrip` field (up to 79 ASCII characters). Default `'unet-kit'`. */
  description?: string;
}

/**
 * Writes a single-file NIfTI-1 (`.nii`, or `.nii.gz` with `gzip`), little-endian, with the
 * volume's affine as sform (code 1, "scanner") and pixdim from `spacing`; `readNifti` of the
 * result gives back the same data, shape, spacing and affine (float32 header fields).
 * Header fields built with `nifti-reader-js`'s `NIFTI1.toArrayBuffer`.
 *
 * @param volume - `data` x-fastest; `affine` defaults to diag(spacing); `datatype` is taken from the typed array.
 * @example
 * ```ts
 * import { writeFile } from 'node:fs/promises';
 * import { writeNifti } from 'unet-kit/data';
 *
 * const data = new Uint8Array(128 * 128 * 62); // x fastest
 * const bytes = await writeNifti({ data, shape: [128, 128, 62], spacing: [2, 2, 3] }, { gzip: true });
 * await writeFile('mask.nii.gz', bytes);
 * ```
 */
export async function writeNifti(
  volume: { data: NiftiTypedArray; shape: number[]; spacing?: number[]; affine?: number[][] },
  options: WriteNiftiOptions = {},
): Promise<Uint8Array> {
  const fn = 'writeNifti';
  if (volume === null || typeof volume !== 'object') fail(fn, 'volume', volume, 'an object { data, shape, spacing?, affine? }');
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['gzip', 'description']);
  const { gzip = false, description = 'unet-kit' } = options;
  assertBoolean(fn, 'options.gzip', gzip);
  if (typeof description !== 'string' || description.length > 79 || !/^[\x20-\x7e]*$/.test(description)) {
    fail(fn, 'options.description', description, 'an ASCII string of at most 79 characters');
  }
  const { data, shape } = volume;
  const datatype = datatypeOf(data);
  if (datatype === undefined) fail(fn, 'volume.data', data, `a typed array of ${Object.keys(CODES).join(', ')}`);
  assertNumberArray(fn, 'volume.shape', shape, { min: 1, max: 32767, integer: true });
  if (shape.length > 7) fail(fn, 'volume.shape', shape, 'at most 7 dimensions');
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) fail(fn, 'volume.data', data, `${count} values for shape ${formatValue(shape)}`);
  const spacing = volume.spacing ?? shape.map(() => 1);
  assertNumberArray(fn, 'volume.spacing', spacing, { min: 0, minExclusive: true }, shape.length);
  const affine = volume.affine ?? [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => (r === c ? (r < 3 ? (spacing[r] ?? 1) : 1) : 0)));
  if (!Array.isArray(affine) || affine.length < 3 || affine.slice(0, 3).some((row) => !Array.isArray(row) || row.length !== 4 || row.some((v) => !Number.isFinite(v)))) {
    fail(fn, 'volume.affine', affine, 'a 4 x 4 (or 3 x 4) array of finite numbers');
  }
  const spec = CODES[datatype];
  const nifti = await loadReader();
  const header = new nifti.NIFTI1();
  header.littleEndian = true;
  header.dims = [shape.length, ...shape, ...new Array<number>(7 - shape.length).fill(1)];
  header.datatypeCode = spec.code;
  header.numBitsPerVoxel = spec.bits;
  header.pixDims = [1, ...spacing, ...new Array<number>(7 - spacing.length).fill(1)];
  header.vox_offset = 352;
  header.scl_slope = 1;
  header.scl_inter = 0;
  header.xyzt_units = 2; // millimetres
  header.description = description;
  header.qform_code = 0;
  header.sform_code = 1;
  header.affine = [...affine.slice(0, 3).map((row) => [...row]), [0, 0, 0, 1]];
  header.magic = 'n+1';
  const head = new Uint8Array(header.toArrayBuffer());
  const file = new Uint8Array(352 + data.byteLength);
  file.set(head.subarray(0, 352), 0);
  // Typed arrays are little-endian on every platform tfjs runs on.
  file.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 352);
  if (!gzip) return file;
  if (typeof CompressionStream === 'undefined') {
    throw new UnetKitError(fn, 'options.gzip', 'is true but this platform has no CompressionStream (needs Node >= 18 or a current browser); write uncompressed instead.');
  }
  const stream = new Blob([file]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * A NIfTI volume as a U-Net input batch `[1, D, H, W, 1]` with D = z, H = y, W = x (the C-order
 * reading of NIfTI's x-fastest buffer, so no transpose). Integer types become int32, floats
 * float32 (float64 loses precision). For a 2D slice stack use `sliceStacks`, or slice axis 1.
 *
 * @example `const x = niftiToTensor(await readNifti(bytes)); // [1, 62, 128, 128, 1]`
 */
export function niftiToTensor(volume: NiftiVolume, options: { dtype?: 'float32' | 'int32' } = {}): tf.Tensor5D {
  const fn = 'niftiToTensor';
  if (volume === null || typeof volume !== 'object' || !ArrayBuffer.isView(volume.data) || !Array.isArray(volume.shape)) {
    fail(fn, 'volume', volume, 'a NiftiVolume from readNifti');
  }
  assertOptionsObject(fn, options);
  assertKnownKeys(fn, options, ['dtype']);
  const spatial = volume.shape.slice(0, 3);
  if (volume.shape.slice(3).some((d) => d !== 1)) {
    fail(fn, 'volume.shape', volume.shape, 'a 3D volume [nx, ny, nz] (extra dimensions of size 1 only)');
  }
  while (spatial.length < 3) spatial.push(1);
  const floating = volume.data instanceof Float32Array || volume.data instanceof Float64Array;
  const dtype = options.dtype ?? (floating ? 'float32' : 'int32');
  assertOneOf(fn, 'options.dtype', dtype, ['float32', 'int32']);
  const values = dtype === 'float32' ? Float32Array.from(volume.data as ArrayLike<number>) : Int32Array.from(volume.data as ArrayLike<number>);
  return tf.tensor5d(values, [1, spatial[2]!, spatial[1]!, spatial[0]!, 1], dtype);
}

/**
 * The inverse of {@link niftiToTensor}: a `[1, D, H, W, 1]` (or `[D, H, W]`) tensor to a
 * {@link NiftiVolume} `[nx = W, ny = H, nz = D]`, taking spacing and affine from `reference`
 * (e.g. the input volume) so predictions overlay the scan. Reads the tensor with `dataSync()`.
 *
 * @example `await writeNifti(tensorToNifti(prediction, await readNifti(bytes), 'uint8'))` (the input scan's spacing and affine)
 */
export function tensorToNifti(x: tf.Tensor, reference?: Pick<NiftiVolume, 'spacing' | 'affine'>, datatype: NiftiDatatype = 'float32'): NiftiVolume {
  const fn = 'tensorToNifti';
  assertRank(fn, 'x', x, [3, 5], '[1, D, H, W, 1] or [D, H, W]');
  if (x.rank === 5 && (x.shape[0] !== 1 || x.shape[4] !== 1)) fail(fn, 'x', x, 'one volume with one channel [1, D, H, W, 1]');
  assertOneOf(fn, 'datatype', datatype, Object.keys(CODES) as NiftiDatatype[]);
  const [d, h, w] = x.rank === 5 ? x.shape.slice(1, 4) : x.shape;
  const values = x.dataSync();
  const spec = CODES[datatype];
  const data = spec.make(new ArrayBuffer((values.length * spec.bits) / 8));
  const integer = datatype !== 'float32' && datatype !== 'float64';
  for (let i = 0; i < values.length; i++) data[i] = integer ? Math.round(values[i] as number) : (values[i] as number);
  const spacing = reference?.spacing.slice(0, 3) ?? [1, 1, 1];
  return {
    data,
    shape: [w!, h!, d!],
    spacing,
    affine: reference?.affine.map((row) => [...row]) ?? [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => (r === c ? (r < 3 ? spacing[r]! : 1) : 0))),
    datatype,
  };
}
