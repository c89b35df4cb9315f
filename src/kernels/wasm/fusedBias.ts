import type * as tf from '@tensorflow/tfjs-core';
import { UnetKitError } from '../../core/errors.js';
import { stockKernel } from '../registry.js';
import type { Info } from '../tensorData.js';

type Args = Parameters<tf.KernelFunc>[0];

/** The parts of tfjs' wasm backend object this wrapper reads. */
interface WasmRecords {
  dataIdMap: { get(dataId: object): { shape: number[] } | undefined };
  disposeData(dataId: object): boolean;
}

function stock(kernelName: string, backendName: string): tf.KernelConfig {
  const config = stockKernel(kernelName, backendName);
  if (config === undefined) throw new UnetKitError('installKernels', 'backendName', `is 'wasm', whose stock ${kernelName} kernel is missing; import @tensorflow/tfjs-backend-wasm before installing unet-kit's kernels.`);
  return config;
}

/**
 * Wraps wasm's stock fused kernel `kernelName` (`FusedConv2D`, `FusedDepthwiseConv2D`,
 * `_FusedMatMul`) so a bias whose buffer was written under another shape is accepted. Those
 * kernels check the rank of the shape the wasm backend recorded when the buffer was allocated,
 * not the bias tensor's own shape; `tf.reshape` shares the buffer and wasm's `GatherV2`
 * allocates its output as rank 4, so a bias from `tf.gather(bias, idx)` or `tf.reshape` (what
 * `pruneFilters` or any `setWeights` from computed values feeds a conv) fails with "FusedConv2D
 * only supports rank-1 bias but got rank 4" (docs/tfjs-gaps.md). Such a bias is copied through
 * the stock `Identity` kernel into a buffer allocated as rank 1, and the copy is freed after the call.
 */
export function wasmFusedWithAnyBiasBuffer(kernelName: string): tf.KernelFunc {
  return (args: Args) => {
    const { inputs, backend } = args;
    const bias = (inputs as { bias?: Info }).bias;
    const records = backend as unknown as WasmRecords;
    const recorded = bias === undefined || bias === null ? undefined : records.dataIdMap.get(bias.dataId)?.shape;
    if (bias === undefined || bias === null || recorded === undefined || recorded.length === bias.shape.length) {
      return stock(kernelName, 'wasm').kernelFunc(args);
    }
    const copy = stock('Identity', 'wasm').kernelFunc({ inputs: { x: bias }, backend, attrs: {} }) as Info;
    try {
      return stock(kernelName, 'wasm').kernelFunc({ ...args, inputs: { ...inputs, bias: copy } });
    } finally {
      records.disposeData(copy.dataId);
    }
  };
}
