import { describe, expect, it } from 'vitest';
import { isSoftwareRenderer, probeWebgl, probeWebgpu } from '../../src/backend/deviceProbe.js';

describe('isSoftwareRenderer', () => {
  it('recognizes the CPU rasterizers browsers report', () => {
    for (const renderer of [
      'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      'Google SwiftShader',
      'swiftshader', // a WebGPU adapter's architecture
      'llvmpipe (LLVM 15.0.6, 256 bits)',
      'Mesa softpipe',
      'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)',
      'Software Rasterizer',
    ]) {
      expect(isSoftwareRenderer(renderer), renderer).toBe(true);
    }
  });

  it('leaves hardware GPUs alone', () => {
    for (const renderer of [
      'ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 (0x00002206) Direct3D11 vs_5_0 ps_5_0, D3D11)',
      'ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)',
      'Mali-G78',
      'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)',
      'nvidia ampere', // WebGPU vendor + architecture
    ]) {
      expect(isSoftwareRenderer(renderer), renderer).toBe(false);
    }
  });
});

describe('device probes outside a browser', () => {
  it('report no device, with the reason, and never throw', async () => {
    expect(probeWebgl()).toEqual({ available: false, software: false, detail: 'no canvas in this environment' });
    const webgpu = await probeWebgpu();
    expect(webgpu.available).toBe(false);
    expect(webgpu.detail).toMatch(/navigator\.gpu is undefined/);
  });
});
