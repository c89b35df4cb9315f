// tfjs-backend-webgl and -webgpu 4.22 generate Transpose shaders for rank <= 6 only ("Transpose
// for rank 8 is not yet supported" on WebGL; WebGPU has no coordinate type past rank 6), yet 3D
// Swin window partitioning, 3D patch merging and patch expanding permute rank-8 tensors. Input
// axes that stay neighbours, in order, under the permutation move as one block, so merging them
// is a free reshape and the transpose itself runs at a lower rank: [n, D, w, H, w, W, w, c] ->
// [n, D, H, W, w, w, w, c] becomes a rank-6 transpose of [n*D, w, H, w, W, w*c].
import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';

/** The highest Transpose rank the stock GPU kernels compile. */
export const GPU_TRANSPOSE_MAX_RANK = 6;

/** A transpose of `shape` by `perm` with neighbouring axes merged: the same data movement. */
export interface CoalescedPermutation {
  /** `shape` with each merged run of axes as one axis. */
  shape: number[];
  /** The permutation of the merged axes. */
  perm: number[];
}

/**
 * Merges runs of input axes that `perm` keeps adjacent and in order (size-1 axes are dropped
 * first, they move nothing). The result moves every element where `perm` does.
 *
 * @param shape - Input shape.
 * @param perm - A permutation of `0 .. shape.length - 1` (output axis `i` is input axis `perm[i]`).
 * @returns The merged shape and permutation (rank 0 input or all size-1 axes: `{ shape: [], perm: [] }`).
 */
export function coalescePermutation(shape: readonly number[], perm: readonly number[]): CoalescedPermutation {
  const kept = perm.filter((axis) => shape[axis] !== 1);
  // Output-ordered runs of input axes i, i+1, ... (consecutive among the kept axes).
  const runs: number[][] = [];
  for (const axis of kept) {
    const last = runs[runs.length - 1];
    const previous = last?.[last.length - 1];
    if (last !== undefined && previous !== undefined && nextKept(shape, previous) === axis) last.push(axis);
    else runs.push([axis]);
  }
  const byInput = [...runs].sort((a, b) => a[0]! - b[0]!);
  return {
    shape: byInput.map((run) => run.reduce((size, axis) => size * shape[axis]!, 1)),
    perm: runs.map((run) => byInput.indexOf(run)),
  };
}

/** The next input axis after `axis` whose size is not 1 (or -1). */
function nextKept(shape: readonly number[], axis: number): number {
  for (let next = axis + 1; next < shape.length; next++) if (shape[next] !== 1) return next;
  return -1;
}

/** The parts of tfjs' WebGL and WebGPU backends this kernel uses. */
interface GpuBackendLike {
  /** Drops one reference (the views share their input's data); WebGPU has no disposeIntermediateTensorInfo. */
  disposeData(dataId: object): boolean;
}

/**
 * `Transpose` for `backendName` (registered for `'webgl'`; not on WebGPU, where swinUNETR 3D gave
 * NaN with it: that NaN came from a rank-5 binary op, see webgpu/sharedBinary.ts, and the layers
 * no longer need a rank-8 transpose, so it was not retried there): above rank 6 it runs the stock kernel
 * on the coalesced permutation between two reshapes (no data moved); at rank 6 or below it is the
 * stock kernel as is. Throws, as the stock kernel does, where even the coalesced rank is above 6.
 */
export function coalescedTransposeKernel(backendName: string): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as unknown as { perm: number[] };
    const transpose = stockKernelFunc(tf.Transpose, backendName);
    if (x.shape.length <= GPU_TRANSPOSE_MAX_RANK) return transpose(args);
    const reshape = stockKernelFunc(tf.Reshape, backendName);
    const backend = args.backend as unknown as GpuBackendLike;
    const merged = coalescePermutation(x.shape, perm);
    const outShape = perm.map((axis) => x.shape[axis]!);
    // All size-1 axes (or one merged run): a reshape alone moves nothing.
    const inner = merged.shape.length === 0 ? [1] : merged.shape;
    const flat = reshape({ inputs: { x }, backend: args.backend, attrs: { shape: inner } }) as tf.TensorInfo;
    const moved = transpose({ inputs: { x: flat }, backend: args.backend, attrs: { perm: merged.shape.length === 0 ? [0] : merged.perm } }) as tf.TensorInfo;
    const out = reshape({ inputs: { x: moved }, backend: args.backend, attrs: { shape: outShape } }) as tf.TensorInfo;
    backend.disposeData(flat.dataId);
    backend.disposeData(moved.dataId);
    return out;
  };
}
