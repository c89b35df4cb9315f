import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertInteger, assertNumber, assertOptions, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { FAKE_QUANT_ACTIVATIONS, FakeQuantConv2D } from './fakeQuantConv.js';

/** Options of {@link quantizeAware}. */
export interface QuantizeAwareOptions {
  /** Bits of the per-channel symmetric weight grid. Default 8 (int8). */
  weightBits?: number;
  /** Bits of the per-tensor affine input grid. Default 8 (uint8). */
  activationBits?: number;
  /** Decay of the moving-average input ranges. Default 0.99. */
  rangeDecay?: number;
  /** Names of convs left in float. */
  skip?: string[];
}

type LayerJson = { name: string; class_name: string; config: Record<string, unknown> };
type TopologyJson = { class_name: string; config: { layers: LayerJson[] } };

const QUANT_CLASS: Record<string, string> = { Conv2D: 'FakeQuantConv2D', Conv3D: 'FakeQuantConv3D' };
const FAKE_QUANT = new Set(Object.values(QUANT_CLASS));

function assertModel(fn: string, model: unknown): asserts model is tfl.LayersModel {
  if (model === null || typeof model !== 'object' || !Array.isArray((model as { layers?: unknown }).layers) || typeof (model as tfl.LayersModel).toJSON !== 'function') {
    fail(fn, 'model', model, 'a functional tf.LayersModel');
  }
}

/** Builds `topology` and copies each layer's weights from `source` through `weightsOf`; disposes the new model on failure. */
async function rebuild(fn: string, topology: TopologyJson, weightsOf: (layer: tfl.layers.Layer) => tf.Tensor[]): Promise<tfl.LayersModel> {
  if (topology.class_name !== 'Model' && topology.class_name !== 'Functional') fail(fn, 'model', topology.class_name, 'a functional model (a Sequential model: rebuild it with tfl.model)');
  const model = await tfl.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] } as never);
  try {
    for (const layer of model.layers) {
      const weights = weightsOf(layer);
      if (weights.length > 0) layer.setWeights(weights);
    }
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/**
 * Quantization-aware training (Jacob et al., "Quantization and Training of Neural Networks for
 * Efficient Integer-Arithmetic-Only Inference", CVPR 2018, Sec. 3): a copy of `model` whose
 * `Conv2D` / `Conv3D` layers are {@link FakeQuantConv2D} / `FakeQuantConv3D` with the same
 * weights: per-output-channel symmetric int8 weights and per-tensor affine uint8 inputs with
 * moving-average ranges, straight-through gradients. Compile and fine-tune it (the ranges settle
 * during training; {@link calibrateQuantization} sets them from data first), then
 * {@link toIntegerInference} runs it as an integer model would. Norms, activations, pooling and
 * transposed convs stay float (fold batch norm into the convs first, `foldBatchNorm` in
 * `unet-kit/train`, for an all-integer conv chain). The copy saves and loads like any model
 * (`unet-kit/compress` registers the layers). The original is not changed.
 *
 * @param model - A functional `tf.LayersModel` (channels last).
 * @param options - `weightBits`, `activationBits` (default 8), `rangeDecay` (0.99), `skip` (conv names kept float).
 * @returns The new, uncompiled model.
 * @example
 * ```ts
 * const qat = await quantizeAware(model);
 * calibrateQuantization(qat, tf.slice(xTrain, 0, 16));
 * qat.compile({ optimizer: tf.train.adam(1e-4), loss: diceCELoss({ activation: 'sigmoid' }) });
 * await qat.fit(xTrain, yTrain, { epochs: 3 });
 * const int8 = await toIntegerInference(qat); // predicts on integer codes
 * ```
 */
export async function quantizeAware(model: tfl.LayersModel, options: QuantizeAwareOptions = {}): Promise<tfl.LayersModel> {
  const fn = 'quantizeAware';
  assertModel(fn, model);
  assertOptions(fn, options, {
    weightBits: (f, a, v) => assertInteger(f, a, v, { min: 2, max: 16 }),
    activationBits: (f, a, v) => assertInteger(f, a, v, { min: 2, max: 16 }),
    rangeDecay: (f, a, v) => assertNumber(f, a, v, { min: 0, max: 1, maxExclusive: true }),
    skip: (f, a, v) => {
      if (!Array.isArray(v) || v.some((n) => typeof n !== 'string')) fail(f, a, v, 'an array of layer names');
    },
  });
  const topology = model.toJSON(null, false) as unknown as TopologyJson;
  const names = new Set(topology.config.layers.map((l) => l.name));
  for (const name of options.skip ?? []) if (!names.has(name)) fail(fn, 'options.skip', name, `names of layers of model '${model.name}'`);
  const skip = new Set(options.skip ?? []);
  for (const layer of topology.config.layers) {
    const target = QUANT_CLASS[layer.class_name];
    if (target === undefined || skip.has(layer.name)) continue;
    const c = layer.config;
    if (c.data_format !== undefined && c.data_format !== 'channels_last') {
      throw new UnetKitError(fn, 'model', `has the conv '${layer.name}' in ${String(c.data_format)}; only channels_last convs can be quantized (add it to options.skip).`);
    }
    if (!(FAKE_QUANT_ACTIVATIONS as readonly unknown[]).includes(c.activation)) {
      throw new UnetKitError(fn, 'model', `has the conv '${layer.name}' with activation ${JSON.stringify(c.activation)}; expected one of ${FAKE_QUANT_ACTIVATIONS.join(', ')} (or add it to options.skip).`);
    }
    layer.class_name = target;
    const config: Record<string, unknown> = {
      name: c.name,
      trainable: c.trainable,
      dtype: c.dtype,
      filters: c.filters,
      kernel_size: c.kernel_size,
      strides: c.strides,
      padding: c.padding,
      dilation_rate: c.dilation_rate,
      activation: c.activation,
      use_bias: c.use_bias,
      weight_bits: options.weightBits ?? 8,
      activation_bits: options.activationBits ?? 8,
      range_decay: options.rangeDecay ?? 0.99,
      integer_inference: false,
    };
    // tfjs' config conversion fails on undefined values (a conv built without a dtype has none).
    layer.config = Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined));
  }
  const unset = [tf.zeros([2]), tf.scalar(0)];
  try {
    return await rebuild(fn, topology, (layer) => {
      const weights = model.getLayer(layer.name).getWeights();
      // A fresh fake-quant conv: the conv's kernel and bias, and an unset input range.
      return layer instanceof FakeQuantConv2D && weights.length < layer.weights.length ? [...weights, ...unset] : weights;
    });
  } finally {
    tf.dispose(unset);
  }
}

/**
 * The integer-arithmetic simulation of a {@link quantizeAware} model: a copy whose fake-quant
 * convs compute on integer codes (int8 weights, uint8 inputs, int32 bias, the sum rescaled by
 * `s_x * s_w`; Jacob et al. 2018, Sec. 2), with the trained weights and ranges. What an int8
 * runtime would predict, within float32 rounding of the rescale; use it to measure the Dice of
 * the deployed model. The original is not changed.
 *
 * @param model - A model from {@link quantizeAware} (trained or calibrated).
 * @returns The new model.
 * @example `const int8 = await toIntegerInference(qat); int8.predict(x);`
 */
export async function toIntegerInference(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  const fn = 'toIntegerInference';
  assertModel(fn, model);
  const topology = model.toJSON(null, false) as unknown as TopologyJson;
  const quantized = topology.config.layers.filter((l) => FAKE_QUANT.has(l.class_name));
  if (quantized.length === 0) fail(fn, 'model', model.name, 'a model from quantizeAware (it has no FakeQuantConv2D / FakeQuantConv3D layer)');
  for (const layer of quantized) layer.config.integer_inference = true;
  return rebuild(fn, topology, (layer) => model.getLayer(layer.name).getWeights());
}

/** Options of {@link calibrateQuantization}. */
export interface CalibrateQuantizationOptions {
  /** Samples per forward pass. Default 8. */
  batchSize?: number;
}

/**
 * Sets every fake-quant conv's input range of a {@link quantizeAware} model to the min and max
 * (widened to hold 0) its input takes over `x`: post-training calibration (TFLite's
 * representative dataset), and a starting range for quantization-aware training. Batch norms
 * run in inference mode, so their statistics are not touched.
 *
 * @param model - A model from {@link quantizeAware}.
 * @param x - Calibration inputs `[N, ...S, C]`.
 * @example `calibrateQuantization(qat, xTrain); const ptq = await toIntegerInference(qat);`
 */
export function calibrateQuantization(model: tfl.LayersModel, x: tf.Tensor, options: CalibrateQuantizationOptions = {}): void {
  const fn = 'calibrateQuantization';
  assertModel(fn, model);
  if (!(x instanceof tf.Tensor)) fail(fn, 'x', x, 'a tensor [N, ...S, C]');
  assertOptions(fn, options, { batchSize: (f, a, v) => assertInteger(f, a, v, { min: 1 }) });
  const layers = model.layers.filter((l): l is FakeQuantConv2D => l instanceof FakeQuantConv2D);
  if (layers.length === 0) fail(fn, 'model', model.name, 'a model from quantizeAware (it has no FakeQuantConv2D / FakeQuantConv3D layer)');
  const probe = tfl.model({ inputs: model.inputs, outputs: layers.map((l) => l.input as tfl.SymbolicTensor) });
  const lows = layers.map(() => 0);
  const highs = layers.map(() => 0);
  const batchSize = options.batchSize ?? 8;
  for (let start = 0; start < x.shape[0]!; start += batchSize) {
    tf.tidy(() => {
      const batch = tf.slice(x, start, Math.min(batchSize, x.shape[0]! - start));
      const outs = probe.predict(batch) as tf.Tensor | tf.Tensor[];
      (Array.isArray(outs) ? outs : [outs]).forEach((t, i) => {
        lows[i] = Math.min(lows[i]!, tf.min(t).dataSync()[0]!);
        highs[i] = Math.max(highs[i]!, tf.max(t).dataSync()[0]!);
      });
    });
  }
  layers.forEach((layer, i) => {
    const [kernel, ...rest] = layer.getWeights();
    const bias = layer.useBias ? [rest[0]!] : [];
    const range = tf.tensor1d([lows[i]!, Math.max(highs[i]!, lows[i]! + 1e-6)]);
    const updates = tf.scalar(1);
    layer.setWeights([kernel!, ...bias, range, updates]);
    tf.dispose([range, updates]);
  });
}
