/**
 * unet-kit: U-Net building blocks, architectures, losses, metrics, augmentation and inference
 * for TensorFlow.js, 2D and 3D, in Node and the browser.
 *
 * Every subpath (`unet-kit/losses`, ...) is also importable on its own.
 * @module
 */
export * from './core/index.js';
export * from './backend/index.js';
export * from './layers/index.js';
export * from './blocks/index.js';
export * from './models/index.js';
export * from './losses/index.js';
export * from './metrics/index.js';
export * from './augment/index.js';
export * from './data/index.js';
export * from './compress/index.js';
export * from './io/index.js';
export * from './inference/index.js';
export * from './explain/index.js';
export * from './train/index.js';
