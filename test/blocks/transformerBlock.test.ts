import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { transformerBlock, transformerBlockParameterCount } from '../../src/blocks/transformerBlock.js';
import { describeEachBackend } from '../helpers/backends.js';
import { expectNoLeak } from '../helpers/leaks.js';
import { expectClose } from '../helpers/numeric.js';
import { fitLosses, predictArrays, randomInput, roundTrip } from '../models/harness.js';

function tokenModel(options: Parameters<typeof transformerBlock>[1], tokens = 5, channels = 12): tfl.LayersModel {
  const x = tfl.input({ shape: [tokens, channels], name: 'input' });
  return tfl.model({ inputs: x, outputs: transformerBlock(x, options) });
}

describeEachBackend('transformerBlock', () => {
  it('has 4C^2 + C + 2 C M + M + C + 4C parameters (+ 3C with qkvBias)', () => {
    for (const qkvBias of [false, true]) {
      const model = tokenModel({ numHeads: 2, mlpDim: 24, qkvBias, seed: 1, name: 'blk' });
      expect(model.countParams()).toBe(transformerBlockParameterCount(12, 24, qkvBias));
      expect(transformerBlockParameterCount(12, 24, qkvBias)).toBe(4 * 144 + 12 + 2 * 12 * 24 + 24 + 12 + 48 + (qkvBias ? 36 : 0));
      model.dispose();
    }
  });

  it('is the identity when the attention and MLP output projections are zero (both residual branches vanish)', async () => {
    const model = tokenModel({ numHeads: 2, mlpDim: 8, seed: 2, name: 'zero' });
    for (const layerName of ['zero_attn', 'zero_mlp2']) {
      const layer = model.getLayer(layerName);
      const weights = layer.getWeights();
      const zeros = weights.map((w, i) => (layerName === 'zero_mlp2' || i >= weights.length - 2 ? tf.zerosLike(w) : w.clone()));
      layer.setWeights(zeros);
      tf.dispose(zeros);
    }
    const x = randomInput([2, 5, 12], 4);
    const [y] = await predictArrays(model, x);
    expectClose(y!, Array.from(x.dataSync()), 1e-6);
    x.dispose();
    model.dispose();
  });

  it('trains, round-trips exactly and leaks nothing; works on 2D maps too', async () => {
    const x = randomInput([2, 5, 12], 5);
    const y = tf.tidy(() => tf.mul(x, 0.5));
    await expectNoLeak(async () => {
      const model = tokenModel({ numHeads: 2, mlpDim: 24, dropout: 0.1, seed: 3, name: 't' });
      const losses = await fitLosses(model, x, y, 4, 'meanSquaredError');
      expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
      const loaded = await roundTrip(model);
      expect(await predictArrays(loaded, x)).toEqual(await predictArrays(model, x));
      model.dispose();
      loaded.dispose();
    });
    const map = tfl.input({ shape: [4, 4, 6] });
    expect(transformerBlock(map, { numHeads: 3 }).shape).toEqual([null, 4, 4, 6]);
    tf.dispose([x, y]);
  });
});

describe('transformerBlock attentionDropout', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('sets the attention-weight and post-attention dropout apart from the MLP dropout (TransUNet), defaulting to dropout', () => {
    const rates = (options: Parameters<typeof transformerBlock>[1]) => {
      const model = tokenModel({ numHeads: 2, name: 't', ...options });
      const rate = (layer: string) => model.getLayer(layer).getConfig()[layer === 't_attn' ? 'dropout' : 'rate'];
      const found = ['t_attn', 't_attn_drop', 't_mlp_drop1', 't_mlp_drop2'].map(rate);
      model.dispose();
      return found;
    };
    expect(rates({ dropout: 0.1, attentionDropout: 0 })).toEqual([0, 0, 0.1, 0.1]);
    expect(rates({ dropout: 0.2 })).toEqual([0.2, 0.2, 0.2, 0.2]);
  });
});

describe('transformerBlock arguments', () => {
  it('rejects heads that do not divide the channels and other bad options', () => {
    const x = tfl.input({ shape: [5, 12] });
    expect(() => transformerBlock(x, { numHeads: 5 })).toThrow(
      'transformerBlock: options.numHeads is 5; it must divide the token channels 12 of x [null, 5, 12] (each head gets C / heads channels).',
    );
    expect(() => transformerBlock(x, { mlpDim: 0 })).toThrow('transformerBlock: options.mlpDim is 0; expected an integer >= 1.');
    expect(() => transformerBlock(x, { attentionDropout: 1 })).toThrow('transformerBlock: options.attentionDropout is 1; expected a finite number >= 0 and < 1.');
    expect(() => transformerBlock(x, { heads: 2 } as never)).toThrow(/transformerBlock: options.heads is not a known option/);
    expect(() => transformerBlock(tf.zeros([1, 5, 12]) as never)).toThrow(/transformerBlock: x is .*; expected a tf.SymbolicTensor of tokens/);
  });
});
