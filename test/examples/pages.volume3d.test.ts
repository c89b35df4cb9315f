// The 3D example page in headless Chromium on wasm and WebGL (SwiftShader): see volume3dPage.ts
// (WebGPU, the longest, has pages.volume3d.webgpu.test.ts).
import { describeVolume3dPage } from './volume3dPage.js';

describeVolume3dPage(['wasm', 'webgl']);
