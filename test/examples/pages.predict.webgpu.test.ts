// The predict example page and its interactive correction in headless Chromium on WebGPU
// (SwiftShader's adapter): see predictPage.ts.
import { describePredictPage } from './predictPage.js';

describePredictPage('webgpu');
