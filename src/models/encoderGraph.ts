import type * as tfl from '@tensorflow/tfjs-layers';
import { UnetKitError } from '../core/errors.js';
import { didYouMean } from '../core/didYouMean.js';
import type { Sym } from '../blocks/functional.js';

type InboundRef = [string, number, number, Record<string, unknown>?];

interface LayerJson {
  name: string;
  class_name: string;
  inbound_nodes?: InboundRef[][];
}

/** An encoder's functional graph, read from its topology: layers in order and their parents. */
export interface EncoderGraph {
  encoder: tfl.LayersModel;
  layers: LayerJson[];
  /** The layers feeding each layer (names), from every one of its nodes in the model. */
  parents: Map<string, string[]>;
}

// The input of a Sequential encoder, which lists no InputLayer among its layers.
const SEQUENTIAL_INPUT = '(sequential input)';

/** Reads the graph of a functional `tf.LayersModel` with one input (`fn` names the caller in errors). */
export function readEncoderGraph(fn: string, encoder: tfl.LayersModel): EncoderGraph {
  const topology = encoder.toJSON(null, false) as unknown as { class_name: string; config: { layers: LayerJson[] } };
  if (encoder.inputs.length !== 1) {
    throw new UnetKitError(fn, 'encoder', `has ${encoder.inputs.length} inputs; expected a model with one image input.`);
  }
  const layers = topology.config.layers;
  if (topology.class_name === 'Sequential') {
    // A Sequential model's JSON has no inbound nodes: each layer feeds the next.
    const layerNames = [SEQUENTIAL_INPUT, ...encoder.layers.map((l) => l.name)];
    const chained: LayerJson[] = layerNames.map((name, i) => ({
      name,
      class_name: i === 0 ? 'InputLayer' : encoder.layers[i - 1]!.getClassName(),
      inbound_nodes: i === 0 ? [] : [[[layerNames[i - 1]!, 0, 0]]],
    }));
    return { encoder, layers: chained, parents: new Map(chained.map((l) => [l.name, (l.inbound_nodes ?? []).flat().map((ref) => ref[0])])) };
  }
  return { encoder, layers, parents: new Map(layers.map((l) => [l.name, (l.inbound_nodes ?? []).flat().map((ref) => ref[0])])) };
}

/** `name` and every layer it depends on. */
export function ancestorsOf(graph: EncoderGraph, name: string): Set<string> {
  const out = new Set<string>();
  const stack = [name];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (out.has(next)) continue;
    out.add(next);
    stack.push(...(graph.parents.get(next) ?? []));
  }
  return out;
}

/** The encoder layer named `name`, or an error naming the closest layer name. */
export function encoderLayer(fn: string, argument: string, graph: EncoderGraph, name: string): tfl.layers.Layer {
  const names = graph.layers.filter((l) => l.class_name !== 'InputLayer').map((l) => l.name);
  if (!names.includes(name)) {
    const hint = didYouMean(name, names);
    throw new UnetKitError(
      fn,
      argument,
      `names layer '${name}', which the encoder '${graph.encoder.name}' (${names.length} layers) does not have.${hint} Pass the skips option with layer names of this encoder (model.layers.map((l) => l.name)).`,
    );
  }
  return graph.encoder.getLayer(name);
}

/**
 * Applies the encoder's layers again, in order, to `input` instead of its own input, for the
 * layers in `needed`: the new graph shares the encoder's layer objects (and so its weights).
 * Returns the output of every applied layer's first node by name, and the layers applied (whose
 * reference counts the caller restores if the build fails).
 */
export function reapplyEncoder(graph: EncoderGraph, input: Sym, needed: ReadonlySet<string>): { outputs: Map<string, Sym>; applied: tfl.layers.Layer[] } {
  const nodes = new Map<string, Sym[]>();
  const outputs = new Map<string, Sym>();
  const applied: tfl.layers.Layer[] = [];
  for (const json of graph.layers) {
    if (!needed.has(json.name)) continue;
    if (json.class_name === 'InputLayer') {
      nodes.set(`${json.name}:0`, [input]);
      outputs.set(json.name, input);
      continue;
    }
    const layer = graph.encoder.getLayer(json.name);
    applied.push(layer);
    (json.inbound_nodes ?? []).forEach((node, k) => {
      const inputs = node.map(([name, nodeIndex, tensorIndex]) => {
        const tensors = nodes.get(`${name}:${nodeIndex}`);
        if (tensors === undefined) throw new UnetKitError('backboneUNet', 'encoder', `has layer '${json.name}' fed by '${name}' node ${nodeIndex}, which comes after it; expected a functional model in topological order.`);
        return tensors[tensorIndex]!;
      });
      const kwargs = node[0]?.[3] ?? {};
      const result = layer.apply(inputs.length === 1 ? inputs[0]! : inputs, kwargs) as Sym | Sym[];
      const list = Array.isArray(result) ? result : [result];
      nodes.set(`${json.name}:${k}`, list);
      if (k === 0) outputs.set(json.name, list[0]!);
    });
  }
  return { outputs, applied };
}
