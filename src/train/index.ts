/**
 * unet-kit/train: learning-rate schedules and callbacks for `model.fit` (early stopping with
 * best-weight restore, checkpoints, a progress bar, metric logs), batch-norm folding for
 * inference, encoder freezing, knowledge distillation, elastic weight consolidation
 * (continual learning) and data-parallel training on Node
 * worker threads.
 * @module unet-kit/train
 */
export {
  LearningRateScheduler,
  cosineAnnealing,
  learningRateScheduler,
  polyLR,
  stepDecay,
  warmup,
} from './schedules.js';
export type {
  CosineAnnealingOptions,
  PolyLROptions,
  ScheduleFn,
  ScheduleOptions,
  ScheduleState,
  ScheduleUnit,
  StepDecayOptions,
  WarmupOptions,
} from './schedules.js';
export { getLearningRate, setLearningRate } from './learningRate.js';
export { EarlyStopping, earlyStopping } from './earlyStopping.js';
export type { EarlyStoppingOptions } from './earlyStopping.js';
export { Checkpoint, checkpoint } from './checkpoint.js';
export type { CheckpointOptions } from './checkpoint.js';
export { TRAINING_STATE_KEY, restoreTrainingState, saveTrainingState } from './trainingState.js';
export type { RestoreTrainingStateOptions, RestoredTrainingState, SaveTrainingStateOptions } from './trainingState.js';
export { RESUMABLE_OPTIMIZERS } from './optimizerState.js';
export { TerminateOnNaN, terminateOnNaN } from './terminateOnNaN.js';
export type { TerminateOnNaNOptions } from './terminateOnNaN.js';
export { ProgressBar, progressBar } from './progressBar.js';
export type { ProgressBarOptions, TextStream } from './progressBar.js';
export { MetricsLog, metricsLog, rowsToCsv } from './metricsLog.js';
export type { MetricsLogOptions, MetricsRow } from './metricsLog.js';
export { MONITOR_MODES } from './logs.js';
export type { CallbackLogs, MonitorMode } from './logs.js';
export { foldBatchNorm } from './foldBatchNorm.js';
export { optimizeForInference } from './optimizeForInference.js';
export { freezeEncoder } from './freezeEncoder.js';
export { distillationLoss } from './distillation.js';
export type { DistillationOptions } from './distillation.js';
export { dataParallelTrainer } from './dataParallel/trainer.js';
export type {
  DataParallelGradients,
  DataParallelLoss,
  DataParallelLossModule,
  DataParallelOptions,
  DataParallelTrainer,
} from './dataParallel/trainer.js';
export { ewcAnchor, ewcLoss, ewcPenalty } from './ewc.js';
export type { EwcAnchor, EwcAnchorOptions, EwcLossFunction, EwcLossOptions } from './ewc.js';
