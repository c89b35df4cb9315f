/**
 * unet-kit's kernel and gradient layer: replacement and missing kernels for tfjs 4.22 backends
 * (see docs/tfjs-gaps.md). `useBackend` calls {@link installKernels} after choosing a backend; users
 * who call `tf.setBackend` themselves call it once after `await tf.ready()`.
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import { fail } from '../core/assert.js';
import { batchNormTrainingGradConfig, batchNormTrainingGradKernel, batchNormTrainingKernel } from './common/batchNorm.js';
import { conv2dBackpropFilterKernel } from './cpu/conv2dBackpropFilter.js';
import { conv3dBackpropInputV2GradConfig } from './gradients/conv3dBackpropInputV2.js';
import { maxPool3DGradKernel, maxPool3DKernel, maxPoolGradKernel, resizeBilinearGradKernel, resizeNearestGradKernel } from './common/loopKernels.js';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, RELU_GRAD } from './names.js';
import { replaceKernel, stockKernelFunc } from './registry.js';
import { wasmConv2dBackpropFilter } from './wasm/conv2dBackpropFilter.js';
import { conv2dBackpropInputKernel } from './common/conv2dBackpropInput.js';
import { cpuConv2D, cpuFusedConv2D } from './cpu/conv2d.js';
import { conv3DBackpropFilterKernel, conv3DBackpropInputKernel, conv3DKernel } from './common/conv3d.js';
import { wasmDepthwiseBackpropFilter, wasmDepthwiseBackpropInput } from './wasm/depthwiseBackprop.js';
import { wasmUnsortedSegmentSum } from './wasm/unsortedSegmentSum.js';
import { wasmFusedWithAnyBiasBuffer } from './wasm/fusedBias.js';
import { narrowFilterStrideKernel } from './wasm/narrowFilterStride.js';
import { wasmBatchMatMul } from './wasm/batchMatMul.js';
import { meanKernel, sumKernel } from './common/reduceLeading.js';
import { sliceKernel, splitVKernel } from './common/splitSlice.js';
import { binaryKernel, CPU_BINARY_OPS } from './cpu/binary.js';
import { tensorflowBatchNormTraining, tensorflowBatchNormTrainingGrad } from './tensorflow/batchNorm.js';
import { tensorflowFusedConv2D } from './tensorflow/fusedConv2d.js';
import { tensorflowSearchSorted } from './tensorflow/searchSorted.js';
import { tensorflowReluGrad, tensorflowStep } from './tensorflow/step.js';
import { tensorflowSum } from './tensorflow/reduce.js';
import { reluGradConfig, reluGradGradConfig } from './gradients/relu.js';
import { gpuPadKernel } from './common/gpuPad.js';
import { webgpuCast } from './webgpu/cast.js';
import { DIRECT_WEBGPU_KERNELS } from './webgpu/directKernels.js';
import { sharedBinaryKernel, WEBGPU_SHARED_BINARY_OPS } from './webgpu/sharedBinary.js';
import { coalescedTransposeKernel } from './common/coalescedTranspose.js';
import { gpuSelectKernel } from './common/gpuSelect.js';
import { samePadConv3DKernels } from './common/conv3dSamePad.js';
import { samePadPool3DKernels, type InnerKernels } from './common/pool3dSamePad.js';
import { avgPoolGradKernel } from './common/avgPoolGrad.js';

export { isUnetKitKernel, stockKernel } from './registry.js';
export { useDirectWebgpuKernels, directWebgpuKernelsOn } from './webgpu/directKernels.js';
export { useSharedWebglPrograms, sharedWebglProgramsOn } from './webgl/sharedPrograms.js';
export { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD } from './names.js';

const installed = new Set<string>();

// Added (not replaced) on both cpu and wasm: fused training-mode batch norm and its gradient.
const BATCH_NORM: ReadonlyArray<[string, tf.KernelFunc]> = [
  [BATCH_NORM_TRAINING, batchNormTrainingKernel as unknown as tf.KernelFunc],
  [BATCH_NORM_TRAINING_GRAD, batchNormTrainingGradKernel as unknown as tf.KernelFunc],
];

/**
 * The pooling kernels every non-TensorFlow backend gets: the 3D pools and their gradients with
 * TensorFlow's 'same' padding, over `inner` (unet-kit loops where the stock kernel is wrong
 * otherwise too), and both average-pool gradients with TensorFlow's in-bounds divisor.
 */
function poolKernels(backendName: string, inner: InnerKernels = {}): Array<[string, tf.KernelFunc]> {
  return [
    [tf.AvgPoolGrad, avgPoolGradKernel(tf.AvgPoolGrad, backendName)],
    ...samePadPool3DKernels(backendName, { ...inner, AvgPool3DGrad: avgPoolGradKernel(tf.AvgPool3DGrad, backendName) }),
  ];
}

/** The kernels unet-kit registers, per backend. */
const KERNELS: Record<string, ReadonlyArray<[string, tf.KernelFunc]>> = {
  cpu: [
    ...BATCH_NORM,
    [tf.Conv2DBackpropFilter, conv2dBackpropFilterKernel('cpu')],
    [tf.Conv2D, cpuConv2D as tf.KernelFunc],
    [tf.FusedConv2D, cpuFusedConv2D as tf.KernelFunc],
    [tf.Conv2DBackpropInput, conv2dBackpropInputKernel('cpu')],
    [tf.Conv3D, conv3DKernel('cpu')],
    [tf.Conv3DBackpropFilterV2, conv3DBackpropFilterKernel('cpu')],
    [tf.Conv3DBackpropInputV2, conv3DBackpropInputKernel('cpu')],
    [tf.MaxPoolGrad, maxPoolGradKernel as tf.KernelFunc],
    ...poolKernels('cpu', { MaxPool3DGrad: maxPool3DGradKernel as tf.KernelFunc }),
    [tf.Slice, sliceKernel('cpu', 1)],
    [tf.SplitV, splitVKernel('cpu')],
    [tf.Sum, sumKernel('cpu')],
    [tf.Mean, meanKernel('cpu')],
    ...CPU_BINARY_OPS.map(([name, op]): [string, tf.KernelFunc] => [name, binaryKernel(name, op)]),
    [tf.ResizeNearestNeighborGrad, resizeNearestGradKernel as tf.KernelFunc],
    [tf.ResizeBilinearGrad, resizeBilinearGradKernel as tf.KernelFunc],
  ],
  wasm: [
    ...BATCH_NORM,
    [tf.Conv2DBackpropFilter, wasmConv2dBackpropFilter as tf.KernelFunc],
    [tf.Conv2DBackpropInput, conv2dBackpropInputKernel('wasm')],
    [tf.DepthwiseConv2dNativeBackpropFilter, wasmDepthwiseBackpropFilter as tf.KernelFunc],
    [tf.DepthwiseConv2dNativeBackpropInput, wasmDepthwiseBackpropInput as tf.KernelFunc],
    [tf.MaxPoolGrad, maxPoolGradKernel as tf.KernelFunc],
    ...poolKernels('wasm', { MaxPool3D: maxPool3DKernel as tf.KernelFunc, MaxPool3DGrad: maxPool3DGradKernel as tf.KernelFunc }),
    [tf.Conv3D, conv3DKernel('wasm')],
    [tf.Conv3DBackpropFilterV2, conv3DBackpropFilterKernel('wasm')],
    [tf.Conv3DBackpropInputV2, conv3DBackpropInputKernel('wasm')],
    [tf.Slice, sliceKernel('wasm', 5)],
    [tf.SplitV, splitVKernel('wasm')],
    [tf.Sum, sumKernel('wasm')],
    [tf.Mean, meanKernel('wasm')],
    [tf.UnsortedSegmentSum, wasmUnsortedSegmentSum as tf.KernelFunc],
    [tf.Conv2D, narrowFilterStrideKernel(stockKernelFunc(tf.Conv2D, 'wasm'))],
    [tf.FusedConv2D, narrowFilterStrideKernel(wasmFusedWithAnyBiasBuffer(tf.FusedConv2D))],
    [tf.FusedDepthwiseConv2D, wasmFusedWithAnyBiasBuffer(tf.FusedDepthwiseConv2D)],
    [tf._FusedMatMul, wasmFusedWithAnyBiasBuffer(tf._FusedMatMul)],
    [tf.BatchMatMul, wasmBatchMatMul as tf.KernelFunc],
  ],
  // tfjs-backend-webgl: Transpose above rank 6, Select above rank 4 (rank-5 tf.where in 3D
  // training) and PadV2 / MirrorPad above rank 4 (tf.pad of a volume; also on WebGPU); on both GPU backends the three Conv3D kernels with TensorFlow's 'same' padding.
  webgl: [
    [tf.Transpose, coalescedTransposeKernel('webgl')],
    [tf.Select, gpuSelectKernel('webgl')],
    [tf.PadV2, gpuPadKernel(tf.PadV2, 'webgl')],
    [tf.MirrorPad, gpuPadKernel(tf.MirrorPad, 'webgl')],
    ...samePadConv3DKernels('webgl'),
    ...poolKernels('webgl'),
  ],
  // tfjs-backend-webgpu: a Cast to float32 that converts int32/bool buffers instead of relabelling
  // them, the flattened Select above rank 4, and binary ops with a short rank-1 operand above
  // rank 4 (the stock shader does not compile: the NaN swinUNETR 3D gave here, from its patch
  // embedding's bias add). The layers' own window permutations are rank 6 at most now
  // (layers/windows.ts gatherBlocks), so swinUNETR 3D needs no rank-8 Transpose.
  webgpu: [
    [tf.Cast, webgpuCast],
    [tf.Select, gpuSelectKernel('webgpu')],
    [tf.PadV2, gpuPadKernel(tf.PadV2, 'webgpu')],
    [tf.MirrorPad, gpuPadKernel(tf.MirrorPad, 'webgpu')],
    ...samePadConv3DKernels('webgpu'),
    ...poolKernels('webgpu'),
    ...WEBGPU_SHARED_BINARY_OPS.map((name): [string, tf.KernelFunc] => [name, sharedBinaryKernel(name, 'webgpu')]),
    ...DIRECT_WEBGPU_KERNELS,
  ],
  // tfjs-node: the training batch norm through TensorFlow's own fused op and its gradient.
  tensorflow: [
    [BATCH_NORM_TRAINING, tensorflowBatchNormTraining as unknown as tf.KernelFunc],
    [BATCH_NORM_TRAINING_GRAD, tensorflowBatchNormTrainingGrad as unknown as tf.KernelFunc],
    [tf.Step, tensorflowStep as unknown as tf.KernelFunc],
    [tf.SearchSorted, tensorflowSearchSorted as unknown as tf.KernelFunc],
    [tf.FusedConv2D, tensorflowFusedConv2D as unknown as tf.KernelFunc],
    [RELU_GRAD, tensorflowReluGrad as unknown as tf.KernelFunc],
    [tf.Sum, tensorflowSum as unknown as tf.KernelFunc],
  ],
};

/** Names of the kernels unet-kit replaces or adds on `backendName` (for reports and tests). */
export function kernelNames(backendName: string): string[] {
  return (KERNELS[backendName] ?? []).map(([name]) => name);
}

function installGradients(backendName: string): void {
  // Gradients are global (not per backend); keep a gradient tfjs or the user registered.
  if (tf.getGradient(tf.Conv3DBackpropInputV2) === undefined) tf.registerGradient(conv3dBackpropInputV2GradConfig);
  if (tf.getGradient(BATCH_NORM_TRAINING) === undefined) tf.registerGradient(batchNormTrainingGradConfig);
  // The Relu gradient through a one-kernel RELU_GRAD where the active backend has it (tfjs'
  // formula elsewhere, so other backends compute exactly what they did).
  if (backendName === 'tensorflow' && tf.getGradient(tf.Relu) !== reluGradConfig) {
    tf.registerGradient(reluGradConfig);
    tf.registerGradient(reluGradGradConfig);
  }
}

/** Backends registered with the engine now (whether or not initialized). */
function registeredBackends(): string[] {
  const registry = (tf.engine() as unknown as { registryFactory?: Record<string, unknown> }).registryFactory ?? {};
  return Object.keys(registry);
}

/**
 * Registers unet-kit's kernels and gradients for `backendName` (default: every backend
 * registered now), replacing the stock kernels listed in docs/tfjs-gaps.md:
 * - every backend: the gradient of `Conv3DBackpropInputV2`, so `conv3dTranspose` trains;
 * - `cpu`, `wasm`, `webgl`, `webgpu`: `Conv3D` and its two backprops with TensorFlow's 'same'
 *   padding where the filter is smaller than the stride (tfjs 4.22 pads -1 in front there and
 *   reads the input one voxel late; on WebGL and WebGPU the stock kernel on the zero-padded
 *   input with 'valid');
 * - `cpu`, `wasm`, `webgl`, `webgpu`: `MaxPool3D`, `AvgPool3D` and their gradients with
 *   TensorFlow's 'same' padding where the window is smaller than the stride (the same -1 front
 *   pad: a 1x1x1 pool at stride 2 read voxels 1, 3, ... instead of 0, 2, ...), as the stock
 *   kernel on the input cropped to what TensorFlow's windows read;
 * - `cpu`, `wasm`, `webgl`, `webgpu`: `AvgPoolGrad` and `AvgPool3DGrad` dividing each window's
 *   gradient by its in-bounds voxels, as the forward pools and TensorFlow do (stock: by the whole
 *   window, so 'same' windows over the border got too small a gradient);
 * - `cpu`: `MaxPool3DGrad` as a loop (stock: the window maximum indexed with the filter height
 *   for the width, so windows whose height and width differ lose their gradient);
 * - `cpu` and `wasm`: a fused training-mode batch-norm kernel and its gradient (used by
 *   unet-kit's `BatchNormalization` layer where present);
 * - `cpu`: a blocked `Conv2DBackpropFilter` (~500x the stock loop), blocked `Conv2D` and
 *   `FusedConv2D` (~4x) with `Conv2DBackpropInput` and the three Conv3D kernels through them
 *   (as on wasm, below), per-channel `Sum`/`Mean`, block-copy `Slice`/`SplitV`, loops for
 *   same-shape and per-channel `Add`/`Sub`/`Multiply`/`RealDiv` (the batch-norm and optimizer
 *   arithmetic), and correct
 *   `ResizeNearestNeighborGrad` (stock: wrong for batch > 1) and `ResizeBilinearGrad` (stock:
 *   wrong shape for non-square images);
 * - `wasm`: `Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter` and `...Input` (missing),
 *   `Conv2DBackpropInput` through XNNPACK's forward conv, `Conv3D` and its two backprops as
 *   depth-folded 2D convs, and correct `MaxPoolGrad`, `MaxPool3D`/`MaxPool3DGrad` (stock: wrong
 *   for all-negative windows) and `Conv3DBackpropInputV2` (stock: wrong for stride > 1), and
 *   faster rank-5 `Slice`/`SplitV` (concatenated skips) and per-channel `Sum`/`Mean`, and
 *   `UnsortedSegmentSum` (missing; the gradient of `tf.gather`, used by Swin's position bias),
 *   and `Conv2D` / `FusedConv2D` with a one-column filter at a width stride above 1 on every
 *   stride-th column at width stride 1 (stock: zeros), and `FusedConv2D` / `FusedDepthwiseConv2D` / `_FusedMatMul` accepting a bias computed by
 *   `tf.gather` or `tf.reshape` (stock: "only supports rank-1 bias but got rank 4"), and
 *   `BatchMatMul` through a WebAssembly SIMD loop for batched or transposed products (window
 *   attention; stock: a scalar loop, 4-6x slower);
 * - `webgl`: `Transpose` above rank 6 (stock: "not yet supported"; 3D Swin window partitions,
 *   patch merging and expanding are rank 8) as a rank-6-or-lower transpose of merged axes, and
 *   `Select` (`tf.where`) above rank 4 (stock: "not yet supported") on flattened views (also on
 *   `webgpu`);
 * - `webgl` and `webgpu`: `PadV2` and `MirrorPad` (`tf.pad`, `tf.mirrorPad`) above rank 4
 *   (stock: the shader does not compile) as one rank-3 pad per padded axis;
 * - `webgpu`: binary ops (`Add`, `Multiply`, comparisons, ...) of a rank-5 tensor and a rank-1
 *   one shorter than 128 on the large operand as `[-1, C]` (stock: a shader indexing tfjs' `vec5`
 *   struct, which does not compile: garbage, then NaN);
 * - `webgpu` on a software adapter (SwiftShader, a fallback adapter; `useBackend` switches them on
 *   through {@link useDirectWebgpuKernels}): `Conv2D`, `FusedConv2D`, `Conv2DBackpropInput`,
 *   `Conv2DBackpropFilter`, `BatchMatMul`, `_FusedMatMul`, `Sum`, `Mean` and `Softmax` computing one output (a reduction: one row) per invocation
 *   (stock: im2col passes and tiled shaders with workgroup barriers, which a CPU rasterizer runs
 *   slowly: the factory suite's 25 models 241.0 s stock, 81.6 s direct); tfjs' own on a
 *   hardware GPU;
 * - `webgl` on a software renderer (SwiftShader, llvmpipe; `useBackend` switches it on through
 *   {@link useSharedWebglPrograms}): one program per operation and texture layout instead of one
 *   per tensor shape (tfjs' shape uniforms, whose program cache key is mended to include the
 *   shader source) on unpacked textures (the factory suite's 25 models 334.8 s stock, 115.5 s);
 * - `webgpu`: `Cast` from int32 or bool to float32 writing a float32 buffer (stock: relabels the
 *   int buffer, and a later `Transpose` of it, e.g. a sum over a non-innermost axis, fails to
 *   compile and gives garbage);
 * - `tensorflow` (tfjs-node): the fused training batch norm and its gradient through
 *   TensorFlow's `FusedBatchNormV3` / `FusedBatchNormGradV3` (any rank, as `[1, 1, pixels, C]`),
 *   a two-op `Step` (the ReLU gradient's mask; stock: seven ops and two full-size fills), and
 *   `SearchSorted` (missing; `histogramEqualize` needs it) through `LowerBound`/`UpperBound`,
 *   `FusedConv2D` as native `Conv2D` + `BiasAdd` + activation ops (stock: the bias added
 *   through a second engine op, a broadcasting `Add`), `Sum` over all leading axes (the conv
 *   bias gradient) as `BiasAddGrad` (~6x), and the ReLU gradient as one `ReluGrad` (stock:
 *   `Step`, `Cast`, `Multiply`; the global Relu gradient is replaced to use it where present).
 *
 * Idempotent: a second call for the same backend does nothing. Kernels of backends not
 * initialized yet are registered all the same and used once the backend starts.
 *
 * @param backendName - e.g. `'wasm'`; default all registered backends.
 * @returns The backends it installed for on this call.
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { installKernels } from 'unet-kit/backend';
 * await tf.setBackend('wasm'); await tf.ready();
 * installKernels('wasm'); // ['wasm']
 * ```
 */
export function installKernels(backendName?: string): string[] {
  if (backendName !== undefined && (typeof backendName !== 'string' || backendName === '')) {
    fail('installKernels', 'backendName', backendName, `a backend name such as 'wasm' or 'cpu', or nothing for every registered backend (${registeredBackends().map((n) => `'${n}'`).join(', ')})`);
  }
  const targets = backendName !== undefined ? [backendName] : registeredBackends();
  const done: string[] = [];
  for (const name of targets) {
    if (installed.has(name)) continue;
    installed.add(name);
    installGradients(name);
    for (const [kernelName, kernelFunc] of KERNELS[name] ?? []) replaceKernel({ kernelName, backendName: name, kernelFunc });
    done.push(name);
  }
  return done;
}
