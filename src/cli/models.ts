import type * as tfl from '@tensorflow/tfjs-layers';
import { attentionUNet } from '../models/attentionUNet.js';
import { denseUNet } from '../models/denseUNet.js';
import { mobileUNet } from '../models/mobileUNet.js';
import { r2UNet } from '../models/r2UNet.js';
import { resUNet } from '../models/resUNet.js';
import { unet } from '../models/unet.js';
import { unetPlusPlus } from '../models/unetPlusPlus.js';
import type { TrainingPlan } from './plan.js';

/** The architectures `--model` names. */
export const CLI_MODELS = { unet, resUNet, attentionUNet, unetPlusPlus, r2UNet, denseUNet, mobileUNet } as const;

/** `--model` values. */
export type CliModelName = keyof typeof CLI_MODELS;

/**
 * Builds the planned network: any spatial size (`null` axes, patches at training and larger
 * windows at inference), instance norm (nnU-Net's choice: no running statistics, so inference
 * on whole images behaves as training on patches did), logits out (softmax applied by the loss
 * and at prediction).
 */
export function buildModel(plan: TrainingPlan, seed: number): tfl.LayersModel {
  const spatial = plan.dims === '3' ? [null, null, null] : [null, null];
  const factory = CLI_MODELS[plan.model as CliModelName] as (options: object) => tfl.LayersModel;
  return factory({ inputShape: [...spatial, plan.channels], spatialDims: plan.dims === '3' ? 3 : 2, numClasses: plan.labelValues.length, filters: plan.filters, norm: 'instance', finalActivation: 'none', seed, name: `unet_kit_${plan.model}` });
}
