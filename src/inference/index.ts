/**
 * unet-kit/inference: sliding-window and tiled prediction, test-time augmentation, 2.5D volume
 * prediction and post-processing of masks.
 * @module unet-kit/inference
 */
export { slidingWindowInference } from './slidingWindow.js';
export type { ArrayOutputWindowOptions, MultiOutputWindowOptions, PredictionArray, SlidingWindowOptions } from './slidingWindow.js';
export { windowStarts } from './windows.js';
export { BLEND_MODES, importanceMap } from './importanceMap.js';
export type { BlendMode, ImportanceMapOptions } from './importanceMap.js';
export { tiledPredict } from './tiles.js';
export type { ArrayImage, TiledPredictOptions, TileReader, TileSource } from './tiles.js';
export { overlapTilePredict } from './overlapTile.js';
export type { OverlapTileOptions } from './overlapTile.js';
export { predictVolume25D } from './predictVolume25D.js';
export type { PredictVolume25DOptions } from './predictVolume25D.js';
export { testTimeAugmentation } from './tta.js';
export type { TestTimeAugmentationOptions } from './tta.js';
export { argmax, connectedComponents, fillHoles, keepLargestComponent, removeSmallObjects, threshold } from './postprocess.js';
export type { ArgmaxOptions, ComponentOptions, KeepLargestOptions } from './postprocess.js';
export { CONNECTIVITIES } from './components.js';
export type { Connectivity } from './components.js';
export type { PredictFn, Predictor, PredictorOutputs, SyncPredictFn } from './predictor.js';
export type { ProgressFn } from './windowEngine.js';
export { denseCrf, denseCrfLabels } from './crf/denseCrf.js';
export type { DenseCrfBilateralOptions, DenseCrfGaussianOptions, DenseCrfOptions } from './crf/denseCrf.js';
