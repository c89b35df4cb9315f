import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';
import { foldBatchNorm } from './foldBatchNorm.js';

type Json = Record<string, unknown>;
type InboundRef = [string, number, number, Json?];
interface LayerJson {
  name: string;
  class_name: string;
  config: Json;
  inbound_nodes?: InboundRef[][];
}

/** Layers whose `activation` option computes what a following activation layer would. */
const TAKES_ACTIVATION = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'Dense', 'Conv2DTranspose', 'Conv3DTranspose', 'DepthwiseConv2D', 'SeparableConv2D']);

/**
 * The activation a standalone layer applies, when it is one a conv can take as its own
 * `activation` (and tfjs fuses into `FusedConv2D`): ReLU without a cap, `Activation` relu / elu.
 */
function fusableActivation(layer: LayerJson): string | undefined {
  if (layer.class_name === 'ReLU' && (layer.config.max_value ?? null) === null) return 'relu';
  if (layer.class_name === 'Activation' && (layer.config.activation === 'relu' || layer.config.activation === 'elu')) return layer.config.activation;
  return undefined;
}

const takesActivation = (layer: LayerJson | undefined): layer is LayerJson =>
  layer !== undefined && TAKES_ACTIVATION.has(layer.class_name) && (layer.config.activation ?? 'linear') === 'linear';

/** A Sequential topology: an activation layer right after a linear conv moves into it. */
function fuseSequential(layers: LayerJson[]): { layers: LayerJson[]; fused: number } {
  const kept: LayerJson[] = [];
  let fused = 0;
  for (const layer of layers) {
    const activation = fusableActivation(layer);
    const previous = kept[kept.length - 1];
    if (activation !== undefined && takesActivation(previous)) {
      previous.config.activation = activation;
      fused++;
      continue;
    }
    kept.push(layer);
  }
  return { layers: kept, fused };
}

/** A functional topology: fuse where the activation is the conv's only consumer. */
function fuseFunctional(config: { layers: LayerJson[]; output_layers: InboundRef[] }): number {
  const byName = new Map(config.layers.map((l) => [l.name, l]));
  const consumers = new Map<string, number>();
  const count = (name: string): void => {
    consumers.set(name, (consumers.get(name) ?? 0) + 1);
  };
  for (const layer of config.layers) for (const node of layer.inbound_nodes ?? []) for (const ref of node) count(ref[0]);
  for (const ref of config.output_layers) count(ref[0]);
  const removed = new Map<string, string>(); // activation layer -> conv it moved into
  for (const layer of config.layers) {
    const activation = fusableActivation(layer);
    const nodes = layer.inbound_nodes ?? [];
    if (activation === undefined || nodes.length !== 1 || nodes[0]!.length !== 1) continue;
    const [sourceName, nodeIndex, tensorIndex] = nodes[0]![0]!;
    const source = byName.get(sourceName);
    if (!takesActivation(source) || nodeIndex !== 0 || tensorIndex !== 0) continue;
    if ((source.inbound_nodes ?? []).length !== 1 || consumers.get(sourceName) !== 1) continue;
    source.config.activation = activation;
    removed.set(layer.name, sourceName);
  }
  config.layers = config.layers.filter((l) => !removed.has(l.name));
  const rewire = (ref: InboundRef): void => {
    const target = removed.get(ref[0]);
    if (target !== undefined) ref[0] = target;
  };
  for (const layer of config.layers) for (const node of layer.inbound_nodes ?? []) node.forEach(rewire);
  config.output_layers.forEach(rewire);
  return removed.size;
}

/**
 * A copy of `model` for fast prediction: every batch norm that directly follows a conv (or
 * dense) layer is folded into its kernel and bias ({@link foldBatchNorm}), then every ReLU or
 * ELU activation layer that is such a layer's only consumer becomes that layer's own
 * `activation`, so a 2D conv + batch norm + ReLU unit runs as one `FusedConv2D` (conv, bias and
 * activation in one kernel: one XNNPACK operator on wasm, native `Conv2D` + `BiasAdd` + `Relu` on
 * `tensorflow` with `installKernels`) instead of three layers and about six ops. The same
 * conv/BN/activation fusion as TensorFlow's `fold_batch_norms` and oneDNN's conv post-ops.
 *
 * Outputs equal `model.predict` (inference mode) within float rounding (~1e-5 relative). The
 * result is a new model (the input is unchanged) for prediction only: batch statistics are
 * frozen in and the fused layers no longer match the original's layer list. Custom layers must
 * be registered (import `unet-kit/layers`), as the topology is rebuilt through its JSON.
 *
 * @param model - a functional or Sequential `tf.LayersModel`.
 * @returns `{ model, foldedBatchNorms, fusedActivations }`: the new model (the caller disposes
 *   it) and how many layers each step removed.
 * @example
 * ```ts
 * const { model: fast, foldedBatchNorms, fusedActivations } = await optimizeForInference(trainedUnet);
 * const probs = fast.predict(image); // same as trainedUnet.predict(image), fewer, fused ops
 * console.log(`folded ${foldedBatchNorms} batch norms, fused ${fusedActivations} activations`);
 * ```
 */
export async function optimizeForInference(model: tfl.LayersModel): Promise<{ model: tfl.LayersModel; foldedBatchNorms: number; fusedActivations: number }> {
  const fn = 'optimizeForInference';
  if (model === null || typeof model !== 'object' || typeof (model as { toJSON?: unknown }).toJSON !== 'function' || !Array.isArray((model as { layers?: unknown }).layers)) {
    fail(fn, 'model', model, 'a tf.LayersModel');
  }
  const folded = await foldBatchNorm(model);
  const foldedBatchNorms = model.layers.length - folded.layers.length;
  try {
    const topology = folded.toJSON(null, false) as unknown as Json;
    const config = topology.config as { layers: LayerJson[]; output_layers: InboundRef[] };
    if (!Array.isArray(config?.layers)) throw new UnetKitError(fn, 'model', 'has no layers list in its topology; expected a tf.model or tf.sequential.');
    let fusedActivations: number;
    if (topology.class_name === 'Sequential') {
      const result = fuseSequential(config.layers);
      config.layers = result.layers;
      fusedActivations = result.fused;
    } else {
      fusedActivations = fuseFunctional(config);
    }
    if (fusedActivations === 0) return { model: folded, foldedBatchNorms, fusedActivations };
    const fused = await tfl.models.modelFromJSON({ modelTopology: topology } as unknown as tf.io.ModelJSON);
    try {
      for (const layer of fused.layers) if (layer.weights.length > 0) layer.setWeights(folded.getLayer(layer.name).getWeights());
    } catch (e) {
      fused.dispose();
      throw e;
    }
    folded.dispose();
    return { model: fused, foldedBatchNorms, fusedActivations };
  } catch (e) {
    // Nothing after folded.dispose() above can throw: here folded is still alive.
    folded.dispose();
    throw e;
  }
}
