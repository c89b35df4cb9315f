import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { assertNumber, assertOptions, fail } from '../core/assert.js';
import { UnetKitError } from '../core/errors.js';

/** Options of {@link pruneFilters}. */
export interface PruneFiltersOptions {
  /** Fraction of each conv's filters removed, in [0, 1). Default 0.5. */
  ratio?: number;
  /**
   * Names of conv layers kept whole. The model's output convs (the heads) are always kept, so
   * the output keeps its classes.
   */
  keep?: string[];
}

/** What {@link pruneFilters} returns. */
export interface PrunedModel {
  /** The rebuilt, smaller model (not compiled: compile and fine-tune it). */
  model: tfl.LayersModel;
  /** Per pruned conv: the indices of the original filters it kept, ascending. */
  keptFilters: Record<string, number[]>;
}

type LayerJson = { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[][] };
type TopologyJson = { class_name: string; config: { layers: LayerJson[]; output_layers: unknown[][]; input_layers: unknown[][] } };

const CONVS = new Set(['Conv2D', 'Conv3D']);
// Transposed convs store their kernel as [...k, out, in].
const TRANSPOSED = new Set(['Conv2DTranspose', 'Conv3DTranspose']);
// Layers that act on each channel alone: their channels follow their input's.
const PER_CHANNEL = new Set([
  'BatchNormalization',
  'InstanceNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'PReLU',
  'Dropout',
  'SpatialDropout2D',
  'SpatialDropout3D',
  'MaxPooling2D',
  'MaxPooling3D',
  'AveragePooling2D',
  'AveragePooling3D',
  'UpSampling2D',
  'UpSampling3D',
  'ZeroPadding2D',
  'ZeroPadding3D',
  'Cropping2D',
  'Cropping3D',
]);
const ELEMENTWISE = new Set(['Add', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Subtract']);

function inboundNames(layer: LayerJson): string[] {
  const node = layer.inbound_nodes[0] as unknown[][] | undefined;
  return node === undefined ? [] : node.map((entry) => entry[0] as string);
}

/** L1 norm of each output filter of a conv kernel `[...k, in, out]` (Li et al. 2017, eq. 1). */
/**
 * `w` gathered along `axis` at `indices`, in a buffer of its own allocated at its final shape:
 * wasm's fused conv checks the shape its buffer was allocated with, and `tf.gather` allocates
 * rank 4 there (docs/tfjs-gaps.md), so a gathered bias would fail on wasm without unet-kit's kernels.
 */
function gatherOwned(w: tf.Tensor, indices: tf.Tensor1D, axis: number): tf.Tensor {
  const gathered = tf.gather(w, indices, axis);
  try {
    return tf.tensor(gathered.dataSync(), gathered.shape, gathered.dtype);
  } finally {
    gathered.dispose();
  }
}

function filterNorms(kernel: tf.Tensor, outAxis: number): number[] {
  return tf.tidy(() => {
    const axes = kernel.shape.map((_, i) => i).filter((i) => i !== outAxis);
    return Array.from(tf.sum(tf.abs(kernel), axes).dataSync());
  });
}

/**
 * L1-norm filter pruning (Li, Kadav, Durdanovic, Samet & Graf, "Pruning Filters for Efficient
 * ConvNets", ICLR 2017): every 2D/3D conv's (and transposed conv's) filters are scored by the L1 norm of their kernel
 * weights and the smallest `ratio` of them removed, layer by layer (the paper's independent
 * strategy); the matching input channels are removed downstream, through per-channel layers
 * (norms, activations, pooling, up-sampling) and concatenations (U-Net skips: the decoder conv
 * after a concat loses the rows of both parts). Tensors joined by `Add` / `Multiply`
 * (residual blocks, attention gates) must keep the same channels, so the convs feeding them are
 * kept whole. A new, smaller model is built from the original's config with the kept weights
 * copied in; fine-tune it (the paper retrains after pruning). The model's output layers are
 * never pruned. Supports functional models of Conv, per-channel, Concatenate and element-wise
 * layers; any other layer met by a pruned tensor (Dense, GroupNormalization ...) throws.
 *
 * @param model - A functional `tf.LayersModel` (a unet-kit factory's or a loaded one).
 * @param options - `ratio` (default 0.5), `keep` (conv names kept whole).
 * @returns `{ model, keptFilters }`; the original model is not changed.
 * @example
 * ```ts
 * const { model: small } = await pruneFilters(model, { ratio: 0.5 });
 * small.compile({ optimizer: tf.train.adam(1e-3), loss: diceCELoss({ activation: 'sigmoid' }) });
 * await small.fit(x, y, { epochs: 5 }); // fine-tune
 * ```
 */
export async function pruneFilters(model: tfl.LayersModel, options: PruneFiltersOptions = {}): Promise<PrunedModel> {
  if (model === null || typeof model !== 'object' || !Array.isArray((model as { layers?: unknown }).layers) || typeof model.toJSON !== 'function') {
    fail('pruneFilters', 'model', model, 'a functional tf.LayersModel');
  }
  assertOptions('pruneFilters', options, {
    ratio: (f, a, v) => assertNumber(f, a, v, { min: 0, max: 1, maxExclusive: true }),
    keep: (f, a, v) => {
      if (!Array.isArray(v) || v.some((n) => typeof n !== 'string')) fail(f, a, v, 'an array of layer names');
    },
  });
  const ratio = options.ratio ?? 0.5;
  const topology = model.toJSON(null, false) as unknown as TopologyJson;
  if (topology.class_name !== 'Model' && topology.class_name !== 'Functional') {
    fail('pruneFilters', 'model', topology.class_name, 'a functional model (tfl.model; a Sequential model: rebuild it with tfl.model)');
  }
  const layers = topology.config.layers;
  const byName = new Map(layers.map((l) => [l.name, l]));
  for (const name of options.keep ?? []) {
    if (!byName.has(name)) fail('pruneFilters', 'options.keep', name, `names of layers of model '${model.name}'`);
  }
  const keepWhole = new Set(options.keep ?? []);
  // Convs whose output reaches an element-wise join or a model output through per-channel
  // layers stay whole (the head before a softmax keeps its classes).
  const producers = (name: string): string[] => {
    const layer = byName.get(name)!;
    if (CONVS.has(layer.class_name) || TRANSPOSED.has(layer.class_name)) return [name];
    if (PER_CHANNEL.has(layer.class_name) || ELEMENTWISE.has(layer.class_name) || layer.class_name === 'Softmax') return inboundNames(layer).flatMap(producers);
    return [];
  };
  for (const layer of layers) if (ELEMENTWISE.has(layer.class_name)) for (const p of inboundNames(layer).flatMap(producers)) keepWhole.add(p);
  for (const output of topology.config.output_layers) {
    keepWhole.add(output[0] as string);
    for (const p of producers(output[0] as string)) keepWhole.add(p);
  }

  // kept[name]: the original channel indices the layer's output keeps, in order.
  const kept = new Map<string, number[]>();
  const keptFilters: Record<string, number[]> = {};
  const newWeights = new Map<string, tf.Tensor[]>();
  const all = (n: number) => Array.from({ length: n }, (_, i) => i);
  try {
    for (const layer of layers) {
      const inputs = inboundNames(layer);
      const live = model.getLayer(layer.name);
      const weights = live.getWeights();
      const type = layer.class_name;
      if (inputs.length === 0) {
        const shape = (layer.config.batch_input_shape as number[] | undefined) ?? [];
        kept.set(layer.name, all(shape.at(-1) ?? 0));
        continue;
      }
      const inKept = kept.get(inputs[0]!)!;
      if (CONVS.has(type) || TRANSPOSED.has(type)) {
        const kernel = weights[0]!;
        const outAxis = TRANSPOSED.has(type) ? kernel.rank - 2 : kernel.rank - 1;
        const inAxis = TRANSPOSED.has(type) ? kernel.rank - 1 : kernel.rank - 2;
        const filters = kernel.shape[outAxis]!;
        let out = all(filters);
        if (!keepWhole.has(layer.name)) {
          const norms = filterNorms(kernel, outAxis);
          const count = Math.max(1, Math.round(filters * (1 - ratio)));
          out = all(filters)
            .sort((a, b) => norms[b]! - norms[a]! || a - b)
            .slice(0, count)
            .sort((a, b) => a - b);
          keptFilters[layer.name] = out;
          layer.config.filters = out.length;
        }
        kept.set(layer.name, out);
        const inIdx = tf.tensor1d(inKept, 'int32');
        const outIdx = tf.tensor1d(out, 'int32');
        newWeights.set(
          layer.name,
          weights.map((w, i) => tf.tidy(() => (i === 0 ? gatherOwned(tf.gather(w, inIdx, inAxis), outIdx, outAxis) : gatherOwned(w, outIdx, w.rank - 1)))),
        );
        tf.dispose([inIdx, outIdx]);
        continue;
      }
      if (PER_CHANNEL.has(type)) {
        kept.set(layer.name, inKept);
        const idx = tf.tensor1d(inKept, 'int32');
        newWeights.set(layer.name, weights.map((w) => gatherOwned(w, idx, w.rank - 1)));
        idx.dispose();
        continue;
      }
      if (type === 'Concatenate') {
        const axis = layer.config.axis as number;
        const rank = live.outputShape.length;
        if (axis !== -1 && axis !== rank - 1) throw new UnetKitError('pruneFilters', 'model', `has the Concatenate '${layer.name}' on axis ${axis}; only channel concatenation (axis -1) can be pruned through.`);
        let offset = 0;
        const joined: number[] = [];
        for (const name of inputs) {
          joined.push(...kept.get(name)!.map((c) => c + offset));
          offset += (model.getLayer(name).outputShape as number[]).at(-1)!;
        }
        kept.set(layer.name, joined);
        continue;
      }
      if (ELEMENTWISE.has(type)) {
        kept.set(layer.name, inKept);
        continue;
      }
      const full = all((live.outputShape as number[]).at(-1) ?? 0);
      if (inputs.some((name) => kept.get(name)!.length !== (model.getLayer(name).outputShape as number[]).at(-1))) {
        throw new UnetKitError(
          'pruneFilters',
          'model',
          `has the ${type} layer '${layer.name}', which pruneFilters cannot carry pruned channels through; add the convs before it to options.keep.`,
        );
      }
      kept.set(layer.name, full);
      if (weights.length > 0) newWeights.set(layer.name, weights.map((w) => tf.clone(w)));
    }
    const pruned = await tfl.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] } as never);
    for (const layer of pruned.layers) {
      const w = newWeights.get(layer.name);
      if (w !== undefined) layer.setWeights(w);
    }
    return { model: pruned, keptFilters };
  } finally {
    for (const list of newWeights.values()) tf.dispose(list);
  }
}

/**
 * FLOPs (2 x multiply-accumulates) of a model's 2D/3D convs and transposed convs for one
 * sample: `2 * prod(kernel) * inChannels * outChannels * outputVoxels` each (input voxels for a
 * transposed conv) (the count of Li et al. 2017,
 * Table 1); norms, activations, pooling and up-sampling are left out.
 *
 * @param model - The model.
 * @param inputShape - `[...S, C]` of one sample; needed when the model's input has `null` sizes
 *   (a copy of the topology is built at that size to read the output shapes, then disposed).
 * @example `await convFlops(model, [128, 128, 3])`
 */
export async function convFlops(model: tfl.LayersModel, inputShape?: number[]): Promise<number> {
  if (model === null || typeof model !== 'object' || !Array.isArray((model as { layers?: unknown }).layers)) fail('convFlops', 'model', model, 'a tf.LayersModel');
  let probe = model;
  if (inputShape !== undefined) {
    if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d < 1)) fail('convFlops', 'inputShape', inputShape, 'positive integers [...S, C]');
    const topology = model.toJSON(null, false) as unknown as TopologyJson;
    for (const layer of topology.config.layers) if (layer.class_name === 'InputLayer') layer.config.batch_input_shape = [null, ...inputShape];
    probe = await tfl.models.modelFromJSON({ modelTopology: topology } as never);
  }
  try {
    let total = 0;
    for (const layer of probe.layers) {
      const type = layer.getClassName();
      if (!CONVS.has(type) && !TRANSPOSED.has(type)) continue;
      // A conv computes every kernel tap per output voxel; a transposed conv per input voxel.
      const shape = (TRANSPOSED.has(type) ? (layer.input as tfl.SymbolicTensor).shape : layer.outputShape) as Array<number | null>;
      if (shape.slice(1).some((d) => d === null)) fail('convFlops', 'inputShape', inputShape, `the sample shape [...S, C] (model '${model.name}' has null sizes)`);
      const kernelSize = layer.getWeights()[0]!.size;
      total += 2 * kernelSize * (shape.slice(1, -1) as number[]).reduce((a, b) => a * b, 1);
    }
    return total;
  } finally {
    if (probe !== model) probe.dispose();
  }
}
