/**
 * unet-kit/metrics: evaluation metrics for segmentation.
 *
 * - Confusion statistics and the scores built on them (Dice, IoU, precision, recall,
 *   specificity, F-beta, accuracy) with MONAI / SMP reductions, as tensors.
 * - Soft Dice / IoU for `model.compile({ metrics })`.
 * - Surface metrics (Hausdorff / HD95, average surface distance, normalized surface Dice) on the
 *   CPU, built on an exact linear-time distance transform with voxel spacing.
 * @module unet-kit/metrics
 */
export { confusionStats } from './confusion.js';
export type { ConfusionStats, ConfusionStatsOptions } from './confusion.js';
export { METRIC_REDUCTIONS, accuracy, dice, fBeta, iou, precision, recall, specificity } from './scores.js';
export type { ConfusionMetricOptions, FBetaOptions, MetricReduction } from './scores.js';
export { diceCoefficient, iouScore } from './training.js';
export type { MetricFunction, SoftOverlapOptions } from './training.js';
export { DISTANCE_METRICS, distanceTransform } from './distanceTransform.js';
export type { DistanceMetric, DistanceTransformOptions } from './distanceTransform.js';
export { maskEdges } from './edges.js';
export { neighbourCodeMeasures } from './surfaceElements.js';
export type { MaskArray, MaskInput } from './masks.js';
export type { SurfaceMetricOptions } from './surfaceDistance.js';
export { hausdorffDistance } from './hausdorff.js';
export type { HausdorffOptions, MissingSurface } from './hausdorff.js';
export { averageSurfaceDistance } from './averageSurfaceDistance.js';
export type { AverageSurfaceDistanceOptions } from './averageSurfaceDistance.js';
export { normalizedSurfaceDice } from './surfaceDice.js';
export type { SurfaceDiceOptions } from './surfaceDice.js';
export { meanIgnoringNaN } from './meanIgnoringNaN.js';
export { MONAI_REDUCTIONS, reduceMetric } from './monaiReduction.js';
export { generalizedDiceScore } from './generalizedDiceScore.js';
export { unetWeightMap } from './unetWeightMap.js';
export type { UnetWeightMapOptions } from './unetWeightMap.js';
export type { GeneralizedDiceScoreOptions, GeneralizedDiceScoreWeight } from './generalizedDiceScore.js';
export type { MonaiReduction } from './monaiReduction.js';
