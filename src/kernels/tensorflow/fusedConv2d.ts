import * as tf from '@tensorflow/tfjs-core';
import { stockKernelFunc } from '../registry.js';
import type { Info } from '../tensorData.js';
import { float32Attr, type OpAttr, type TensorflowBackendLike } from './backendLike.js';

type Args = Parameters<tf.KernelFunc>[0];

interface FusedConvAttrs {
  strides: number | [number, number];
  pad: unknown;
  dataFormat: string;
  dilations: number | [number, number];
  activation?: string;
  leakyreluAlpha?: number;
}

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** TensorFlow's op for each activation tfjs fuses (prelu, with its weights tensor, is left to the stock kernel). */
const ACTIVATION_OPS: Record<string, string> = { relu: 'Relu', relu6: 'Relu6', elu: 'Elu', sigmoid: 'Sigmoid', leakyrelu: 'LeakyRelu' };

function canRunNatively(x: Info, bias: Info | undefined, attrs: FusedConvAttrs): boolean {
  const activation = attrs.activation ?? 'linear';
  return (
    x.dtype === 'float32' &&
    x.shape.length === 4 &&
    attrs.dataFormat === 'NHWC' &&
    (attrs.pad === 'same' || attrs.pad === 'valid') &&
    (bias === undefined || bias.shape.length === 1) &&
    (activation === 'linear' || ACTIVATION_OPS[activation] !== undefined)
  );
}

/**
 * `FusedConv2D` (conv + bias + activation, what a tfjs-layers `conv2d` with a bias runs) on
 * `tensorflow` as native ops only: `Conv2D`, `BiasAdd` and the activation's op, each executed
 * straight through the binding. tfjs-node's own kernel adds the bias with `tf.add`, a second trip
 * through the engine and a broadcasting `Add`; TensorFlow's one-op `_FusedConv2D` takes its
 * `fused_ops` as a string list, an attribute type tfjs-node's binding cannot pass. Prelu, numeric
 * or explicit padding, NCHW and non-float32 inputs run the stock kernel.
 */
export function tensorflowFusedConv2D(args: Args): Info {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as FusedConvAttrs;
  const { x, filter, bias } = inputs as { x: Info; filter: Info; bias?: Info };
  if (!canRunNatively(x, bias, attrs)) return stockKernelFunc(tf.FusedConv2D, 'tensorflow')(args) as Info;
  const tfBackend = backend as unknown as TensorflowBackendLike;
  const { binding } = tfBackend;
  const [sh, sw] = pair(attrs.strides);
  const [dh, dw] = pair(attrs.dilations);
  const t = float32Attr(tfBackend);
  const convAttrs: OpAttr[] = [
    t,
    { name: 'strides', type: binding.TF_ATTR_INT, value: [1, sh, sw, 1] },
    { name: 'padding', type: binding.TF_ATTR_STRING, value: (attrs.pad as string).toUpperCase() },
    { name: 'data_format', type: binding.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'dilations', type: binding.TF_ATTR_INT, value: [1, dh, dw, 1] },
  ];
  let y = tfBackend.executeSingleOutput('Conv2D', convAttrs, [x, filter]);
  const then = (name: string, opAttrs: OpAttr[], extra: Info[] = []): void => {
    const next = tfBackend.executeSingleOutput(name, opAttrs, [y, ...extra]);
    tfBackend.disposeData(y.dataId, true);
    y = next;
  };
  if (bias !== undefined) then('BiasAdd', [t, { name: 'data_format', type: binding.TF_ATTR_STRING, value: 'NHWC' }], [bias]);
  const activation = attrs.activation ?? 'linear';
  if (activation === 'leakyrelu') then('LeakyRelu', [t, { name: 'alpha', type: binding.TF_ATTR_FLOAT, value: attrs.leakyreluAlpha ?? 0.2 }]);
  else if (activation !== 'linear') then(ACTIVATION_OPS[activation]!, [t]);
  return y;
}
