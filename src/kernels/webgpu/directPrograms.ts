// WGSL programs for tfjs-backend-webgpu that compute one output element per invocation, with no
// workgroup memory and no barriers. On a hardware GPU tfjs' tiled shaders are the fast ones; on a
// CPU rasterizer (SwiftShader) tfjs' small convolutions go through an im2col pass plus a tiled
// matMul and its matMuls through tiles and barriers, and these programs are faster. Measured in
// headless Chromium 153 on SwiftShader (2 cores, 2026-12-03): a [8, 64, 16] x [8, 16, 64] matMul
// 16-27 ms tiled, 7.1 ms direct; conv2dTranspose of [2, 32, 32, 8] 19-31 ms, 21 ms; a 3x3 conv of
// [2, 32, 32, 8] to 8 channels 62-92 ms, 44-90 ms; the factory suite's 25 models (forward and
// two SGD steps each) 241.0 s, 120.3 s; with the reductions and softmax too, 81.6 s (swinUNETR 3D
// 50.8 s -> 25.5 s: its Sums, Means and 32^3-voxel Softmax had taken 14.8 s of a 22.1 s step). Programs follow tfjs' flat-dispatch shape
// (UnaryOpProgram): `main(index)` over the output's elements; tfjs generates the getters (getX,
// getW, ...) and the shape uniforms, named in lower camel case (`uniforms.wShape` for 'W').

/** A program object as tfjs' `WebGPUBackend.runWebGPUProgram` takes it. */
export interface DirectProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size: true;
  uniforms?: string;
  getUserCode(): string;
}

const WORKGROUP = 64;
// WebGPU's minimum maxComputeWorkgroupsPerDimension: more workgroups go on a second axis, which
// tfjs' getGlobalIndex() folds back into the flat index.
const MAX_GROUPS = 65535;

/** Activations the fused programs apply in the shader (tfjs' names); 'prelu' is left to tfjs. */
export const DIRECT_ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu'] as const;
export type DirectActivation = (typeof DIRECT_ACTIVATIONS)[number];

function activationCode(activation: DirectActivation): string {
  switch (activation) {
    case 'relu':
      return 'value = max(value, 0.0);';
    case 'relu6':
      return 'value = clamp(value, 0.0, 6.0);';
    case 'elu':
      return 'value = select(exp(value) - 1.0, value, value >= 0.0);';
    case 'sigmoid':
      return 'value = 1.0 / (1.0 + exp(-value));';
    case 'leakyrelu':
      return 'value = select(value * uniforms.alpha, value, value >= 0.0);';
    default:
      return '';
  }
}

function flat(outputShape: number[], shaderKey: string, variableNames: string[], uniforms: string, body: string): DirectProgram {
  const size = outputShape.reduce((a, b) => a * b, 1);
  const groups = Math.max(1, Math.ceil(size / WORKGROUP));
  return {
    variableNames,
    outputShape,
    shaderKey,
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: groups <= MAX_GROUPS ? [groups, 1, 1] : [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS), 1],
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    ...(uniforms === '' ? {} : { uniforms }),
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

/**
 * `Conv2D` / `FusedConv2D` (NHWC): output `[B, OH, OW, CO]` from `x` `[B, H, W, CI]` and `W`
 * `[KH, KW, CI, CO]`, plus `bias` (`CO` values) and an activation when fused. Uniforms:
 * `pads` (top, left), `strides`, `dilations` (and `alpha` for leakyrelu).
 */
export function directConv2DProgram(outputShape: number[], hasBias: boolean, activation: DirectActivation): DirectProgram {
  const names = hasBias ? ['x', 'W', 'bias'] : ['x', 'W'];
  const uniforms = `pads : vec2<i32>, strides : vec2<i32>, dilations : vec2<i32>,${activation === 'leakyrelu' ? ' alpha : f32,' : ''}`;
  return flat(outputShape, `unetkit_direct_conv2d_${hasBias}_${activation}`, names, uniforms, `
          let c = getCoordsFromIndex(index);
          var value = 0.0;
          for (var ky = 0; ky < uniforms.wShape[0]; ky++) {
            let iy = c[1] * uniforms.strides[0] + ky * uniforms.dilations[0] - uniforms.pads[0];
            if (iy < 0 || iy >= uniforms.xShape[1]) { continue; }
            for (var kx = 0; kx < uniforms.wShape[1]; kx++) {
              let ix = c[2] * uniforms.strides[1] + kx * uniforms.dilations[1] - uniforms.pads[1];
              if (ix < 0 || ix >= uniforms.xShape[2]) { continue; }
              for (var ci = 0; ci < uniforms.xShape[3]; ci++) {
                value += getX(c[0], iy, ix, ci) * getW(ky, kx, ci, c[3]);
              }
            }
          }
          ${hasBias ? 'value += getBias(c[3]);' : ''}
          ${activationCode(activation)}
          setOutputAtIndex(index, value);`);
}

/**
 * `Conv2DBackpropInput` (NHWC, dilation 1): `dx` `[B, H, W, CI]` from `dy` `[B, OH, OW, CO]` and
 * `W` `[KH, KW, CI, CO]`: each input pixel sums the output pixels whose window read it.
 * Uniforms: `pads` (top, left), `strides`.
 */
export function directConv2DBackpropInputProgram(outputShape: number[]): DirectProgram {
  return flat(outputShape, 'unetkit_direct_conv2d_dx', ['dy', 'W'], 'pads : vec2<i32>, strides : vec2<i32>,', `
          let c = getCoordsFromIndex(index);
          var value = 0.0;
          for (var ky = 0; ky < uniforms.wShape[0]; ky++) {
            let ty = c[1] + uniforms.pads[0] - ky;
            if (ty < 0 || ty % uniforms.strides[0] != 0) { continue; }
            let oy = ty / uniforms.strides[0];
            if (oy >= uniforms.dyShape[1]) { continue; }
            for (var kx = 0; kx < uniforms.wShape[1]; kx++) {
              let tx = c[2] + uniforms.pads[1] - kx;
              if (tx < 0 || tx % uniforms.strides[1] != 0) { continue; }
              let ox = tx / uniforms.strides[1];
              if (ox >= uniforms.dyShape[2]) { continue; }
              for (var co = 0; co < uniforms.dyShape[3]; co++) {
                value += getDy(c[0], oy, ox, co) * getW(ky, kx, c[3], co);
              }
            }
          }
          setOutputAtIndex(index, value);`);
}

/**
 * `Conv2DBackpropFilter` (NHWC, dilation 1): `dW` `[KH, KW, CI, CO]` from `x` `[B, H, W, CI]` and
 * `dy` `[B, OH, OW, CO]`, a sum over every batch and output pixel. Uniforms: `pads`, `strides`.
 */
export function directConv2DBackpropFilterProgram(outputShape: number[]): DirectProgram {
  return flat(outputShape, 'unetkit_direct_conv2d_dw', ['x', 'dy'], 'pads : vec2<i32>, strides : vec2<i32>,', `
          let c = getCoordsFromIndex(index);
          var value = 0.0;
          for (var b = 0; b < uniforms.xShape[0]; b++) {
            for (var oy = 0; oy < uniforms.dyShape[1]; oy++) {
              let iy = oy * uniforms.strides[0] + c[0] - uniforms.pads[0];
              if (iy < 0 || iy >= uniforms.xShape[1]) { continue; }
              for (var ox = 0; ox < uniforms.dyShape[2]; ox++) {
                let ix = ox * uniforms.strides[1] + c[1] - uniforms.pads[1];
                if (ix < 0 || ix >= uniforms.xShape[2]) { continue; }
                value += getX(b, iy, ix, c[2]) * getDy(b, oy, ox, c[3]);
              }
            }
          }
          setOutputAtIndex(index, value);`);
}

/**
 * `BatchMatMul` / `_FusedMatMul` on rank-3 views: output `[batch, M, N]` from `A` (`[batchA, M, K]`,
 * or `[batchA, K, M]` transposed) and `B` (`[batchB, K, N]` or `[batchB, N, K]`), a batch of 1
 * broadcasting; plus `bias` (`N` values) and an activation when fused.
 */
export function directMatMulProgram(outputShape: number[], transposeA: boolean, transposeB: boolean, hasBias: boolean, activation: DirectActivation): DirectProgram {
  const names = hasBias ? ['A', 'B', 'bias'] : ['A', 'B'];
  const a = transposeA ? 'getA(ba, k, c[1])' : 'getA(ba, c[1], k)';
  const b = transposeB ? 'getB(bb, c[2], k)' : 'getB(bb, k, c[2])';
  return flat(outputShape, `unetkit_direct_matmul_${transposeA}_${transposeB}_${hasBias}_${activation}`, names, activation === 'leakyrelu' ? 'alpha : f32,' : '', `
          let c = getCoordsFromIndex(index);
          let ba = select(c[0], 0, uniforms.aShape[0] == 1);
          let bb = select(c[0], 0, uniforms.bShape[0] == 1);
          var value = 0.0;
          for (var k = 0; k < uniforms.aShape[${transposeA ? 1 : 2}]; k++) {
            value += ${a} * ${b};
          }
          ${hasBias ? 'value += getBias(c[2]);' : ''}
          ${activationCode(activation)}
          setOutputAtIndex(index, value);`);
}

/**
 * `Sum` / `Mean` over the inner axis of `x` `[rows, n]`: output `[rows]`, one row per invocation
 * (tfjs' reduction: a workgroup of up to 256 per row meeting at barriers, slow on a CPU rasterizer).
 */
export function directRowReduceProgram(rows: number, mean: boolean): DirectProgram {
  return flat([rows], `unetkit_direct_row_${mean ? 'mean' : 'sum'}`, ['x'], '', `
          let n = uniforms.xShape[1];
          var acc = 0.0;
          for (var i = 0; i < n; i++) {
            acc += getX(index, i);
          }
          setOutputAtIndex(index, ${mean ? 'acc / f32(n)' : 'acc'});`);
}

/**
 * `Softmax` over the inner axis of `x` `[rows, n]`, one output per invocation: the row's maximum
 * and sum of exponentials recomputed by each (n is a class or window-token count, 2-64 here).
 */
export function directSoftmaxProgram(shape: [number, number]): DirectProgram {
  return flat(shape, 'unetkit_direct_softmax', ['x'], '', `
          let c = getCoordsFromIndex(index);
          let n = uniforms.xShape[1];
          var top = getX(c[0], 0);
          for (var i = 1; i < n; i++) {
            top = max(top, getX(c[0], i));
          }
          var total = 0.0;
          for (var i = 0; i < n; i++) {
            total += exp(getX(c[0], i) - top);
          }
          setOutputAtIndex(index, exp(getX(c[0], c[1]) - top) / total);`);
}
