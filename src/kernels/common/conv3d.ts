import * as tf from '@tensorflow/tfjs-core';
import { depthFold, depthUnfoldAdd, foldFilter, unfoldFilter, type DepthFold } from '../loops/depthFold.js';
import { readF32, withScope, type Info, type KernelScope, type Shape5 } from '../tensorData.js';
import { conv3DInfo } from './conv3dSamePad.js';

type Args = Parameters<tf.KernelFunc>[0];

function foldOf(info: tf.backend_util.Conv3DInfo): DepthFold {
  return {
    batch: info.batchSize,
    inDepth: info.inDepth,
    outDepth: info.outDepth,
    planeSize: info.inHeight * info.inWidth * info.inChannels,
    inChannels: info.inChannels,
    filterDepth: info.filterDepth,
    strideDepth: info.strideDepth,
    dilationDepth: info.dilationDepth,
    padFront: info.padInfo.front,
  };
}

// Whether depth needs gathering: a 1-deep filter at depth stride 1 without depth padding maps
// every input slice to one output slice, and the fold is a plain reshape.
function needsFold(info: tf.backend_util.Conv3DInfo): boolean {
  return !(info.filterDepth === 1 && info.strideDepth === 1 && info.padInfo.front === 0 && info.outDepth === info.inDepth);
}

// [N, D, H, W, Ci] -> [N*OD, H, W, KD*Ci]; a plain reshape when depth needs no gathering.
function foldInput(s: KernelScope, x: Info, info: tf.backend_util.Conv3DInfo): Info {
  const { batchSize: N, outDepth: OD, inHeight: H, inWidth: W, inChannels: Ci, filterDepth: KD } = info;
  if (!needsFold(info)) return s.reshape(x, [N * OD, H, W, Ci]);
  const g = s.alloc([N * OD, H, W, KD * Ci]);
  depthFold(readF32(s.backend, x), foldOf(info), readF32(s.backend, g));
  return g;
}

function foldWeights(s: KernelScope, filter: Info): Info {
  const [KD, KH, KW, Ci, Co] = filter.shape as Shape5;
  if (KD === 1) return s.reshape(filter, [KH, KW, Ci, Co]);
  const f = s.alloc([KH, KW, KD * Ci, Co]);
  foldFilter(readF32(s.backend, filter), filter.shape, readF32(s.backend, f));
  return f;
}

const conv2dAttrs = (info: tf.backend_util.Conv3DInfo, pad: 'same' | 'valid') =>
  ({ strides: [info.strideHeight, info.strideWidth], pad, dataFormat: 'NHWC', dilations: [info.dilationHeight, info.dilationWidth] }) as unknown as tf.NamedAttrMap;

/**
 * `Conv3D` as one 2D convolution of the backend (XNNPACK's on wasm, unet-kit's blocked loop on
 * cpu): the depth taps are gathered into channels ({@link depthFold}) and the filter's depth taps
 * stacked to match, so the 3D conv is a 2D conv over `[N*OD, H, W, KD*Ci]` with filter
 * `[KH, KW, KD*Ci, Co]`. tfjs 4.22's Conv3D kernels are scalar loops (~0.5 GFLOP/s, docs/tfjs-gaps.md).
 */
export function conv3DKernel(backendName: string): tf.KernelFunc {
  return (args) => conv3D(args, backendName);
}

/**
 * The most floats of the depth-folded input {@link conv3DKernel} holds at once (2^25, 128 MiB):
 * above it the rows of the fold go through the 2D convolution in slabs. The fold is KD times the
 * input, and whole, a SwinUNETR (feature size 48) decoder conv at 2 x 96^3 x 96 folded 2 GB,
 * which the 4 GiB wasm heap could not give next to the live activations.
 */
let foldChunkElements = 1 << 25;

/** @internal Sets {@link foldChunkElements} (the tests' small slabs) and returns the previous value. */
export function setConv3DFoldChunk(elements: number): number {
  const previous = foldChunkElements;
  foldChunkElements = elements;
  return previous;
}

function conv3D({ inputs, backend, attrs }: Args, backendName: string): Info {
  const { x, filter } = inputs as { x: Info; filter: Info };
  const a = attrs as unknown as tf.Conv3DAttrs;
  const info = conv3DInfo(x.shape as Shape5, filter.shape as Shape5, a.strides, a.dilations, a.pad);
  const { batchSize: N, outDepth: OD, inHeight: H, inWidth: W, inChannels: Ci, filterDepth: KD } = info;
  const rowSize = H * W * KD * Ci;
  return withScope(backend, backendName, (s) => {
    const f = foldWeights(s, filter);
    if (!needsFold(info) || N * OD * rowSize <= foldChunkElements) {
      const y = s.run('Conv2D', { x: foldInput(s, x, info), filter: f }, conv2dAttrs(info, a.pad));
      return s.keep(s.reshape(y, info.outShape));
    }
    // Each row of the fold (one output depth of one item) is its own 2D convolution.
    const rows = N * OD;
    const perSlab = Math.max(1, Math.floor(foldChunkElements / rowSize));
    const outRow = info.outHeight * info.outWidth * info.outChannels;
    const out = s.alloc([rows, info.outHeight, info.outWidth, info.outChannels]);
    for (let start = 0; start < rows; start += perSlab) {
      const count = Math.min(perSlab, rows - start);
      withScope(backend, backendName, (slab) => {
        const g = slab.alloc([count, H, W, KD * Ci]);
        depthFold(readF32(backend, x), foldOf(info), readF32(backend, g), { start, count });
        const y = slab.run('Conv2D', { x: g, filter: f }, conv2dAttrs(info, a.pad));
        // Heap views taken after the slab's last allocation (wasm's heap may have moved).
        readF32(backend, out).set(readF32(backend, y), start * outRow);
        return y;
      });
    }
    return s.keep(s.reshape(out, info.outShape));
  });
}

/** `Conv3DBackpropFilterV2`: the backend's 2D filter gradient of the depth-folded input, unfolded. */
export function conv3DBackpropFilterKernel(backendName: string): tf.KernelFunc {
  return (args) => conv3DBackpropFilter(args, backendName);
}

function conv3DBackpropFilter({ inputs, backend, attrs }: Args, backendName: string): Info {
  const { x, dy } = inputs as { x: Info; dy: Info };
  const a = attrs as unknown as tf.Conv3DBackpropFilterV2Attrs;
  const info = conv3DInfo(x.shape as Shape5, a.filterShape, a.strides, 1, a.pad);
  const [KD, KH, KW, Ci, Co] = a.filterShape;
  return withScope(backend, backendName, (s) => {
    const g = foldInput(s, x, info);
    const dy2 = s.reshape(dy, [info.batchSize * info.outDepth, info.outHeight, info.outWidth, Co]);
    const dw = s.run('Conv2DBackpropFilter', { x: g, dy: dy2 }, {
      strides: [info.strideHeight, info.strideWidth],
      pad: a.pad,
      dataFormat: 'NHWC',
      filterShape: [KH, KW, KD * Ci, Co],
    } as unknown as tf.NamedAttrMap);
    if (KD === 1) return s.keep(s.reshape(dw, a.filterShape));
    const out = s.alloc(a.filterShape);
    unfoldFilter(readF32(s.backend, dw), a.filterShape, readF32(s.backend, out));
    return s.keep(out);
  });
}

/**
 * `Conv3DBackpropInputV2` (the input gradient of Conv3D and the forward op of `conv3dTranspose`),
 * replacing tfjs 4.22's kernels (the wasm one is wrong for strides above 1): the backend's 2D
 * input gradient over the depth-folded layout, scattered back along depth ({@link depthUnfoldAdd}).
 */
export function conv3DBackpropInputKernel(backendName: string): tf.KernelFunc {
  return (args) => conv3DBackpropInput(args, backendName);
}

function conv3DBackpropInput({ inputs, backend, attrs }: Args, backendName: string): Info {
  const { dy, filter } = inputs as { dy: Info; filter: Info };
  const a = attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
  const info = conv3DInfo(a.inputShape, filter.shape as Shape5, a.strides, 1, a.pad);
  const { batchSize: N, outDepth: OD, inHeight: H, inWidth: W, inChannels: Ci, filterDepth: KD } = info;
  return withScope(backend, backendName, (s) => {
    const f = foldWeights(s, filter);
    const dy2 = s.reshape(dy, [N * OD, info.outHeight, info.outWidth, info.outChannels]);
    const z = s.run('Conv2DBackpropInput', { dy: dy2, filter: f }, {
      strides: [info.strideHeight, info.strideWidth],
      pad: a.pad,
      dataFormat: 'NHWC',
      inputShape: [N * OD, H, W, KD * Ci],
    } as unknown as tf.NamedAttrMap);
    if (!needsFold(info)) return s.keep(s.reshape(z, a.inputShape));
    const out = s.alloc(a.inputShape);
    depthUnfoldAdd(readF32(s.backend, z), foldOf(info), readF32(s.backend, out));
    return s.keep(out);
  });
}
