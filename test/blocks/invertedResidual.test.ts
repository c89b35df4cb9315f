import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/backend/useBackend.js';
import { invertedResidual } from '../../src/blocks/invertedResidual.js';
import { expectClose } from '../helpers/numeric.js';
import { describeBlock, setWeights, tinySpatial } from './blockHarness.js';

const dw3d = (p: string) => [`${p}_w_in`, `${p}_w`, `${p}_w_out`, `${p}_h_perm`, `${p}_h_in`, `${p}_h`, `${p}_h_out`, `${p}_d_perm`, `${p}_d_in`, `${p}_d`, `${p}_d_out`, `${p}_out`];

describeBlock('invertedResidual (residual)', {
  channels: 3,
  build: (x, spatialDims) => invertedResidual(x, 3, { spatialDims, expansion: 2, seed: 1, name: 'i' }),
  names: (d) => ['i_expand', 'i_expand_norm', 'i_expand_act', ...(d === 2 ? ['i_dw'] : dw3d('i_dw')), 'i_dw_norm', 'i_dw_act', 'i_project', 'i_project_norm', 'i_add'],
  outputShape: (d) => [...tinySpatial(d), 3],
});

describeBlock('invertedResidual (stride 2)', {
  channels: 2,
  build: (x, spatialDims) => invertedResidual(x, 4, { spatialDims, strides: 2, seed: 1, name: 's' }),
  names: (d) => ['s_expand', 's_expand_norm', 's_expand_act', ...(d === 2 ? ['s_dw'] : dw3d('s_dw')), 's_dw_norm', 's_dw_act', 's_project', 's_project_norm'],
  outputShape: (d) => [...tinySpatial(d).map((s) => s / 2), 4],
});

describe('invertedResidual numbers', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('with a zero projection the block is the identity (the residual path alone)', async () => {
    const input = tfl.input({ shape: [4, 4, 3] });
    const model = tfl.model({ inputs: input, outputs: invertedResidual(input, 3, { norm: 'none', name: 'z' }) });
    // Hidden width 3 * 6 = 18 (t = 6, the default).
    expect(model.getLayer('z_expand').outputShape).toEqual([null, 4, 4, 18]);
    setWeights(model, 'z_project', [{ shape: [1, 1, 18, 3], data: 0 }, { shape: [3], data: 0 }]);
    const x = tf.randomNormal([1, 4, 4, 3], 0, 1, 'float32', 2);
    const y = model.predict(x) as tf.Tensor;
    expectClose(Array.from(await y.data()), Array.from(await x.data()), 1e-6);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('defaults to relu6 (MobileNetV2); expansion 1 has no expand conv', () => {
    const input = tfl.input({ shape: [4, 4, 3] });
    const model = tfl.model({ inputs: input, outputs: invertedResidual(input, 3, { expansion: 1, name: 'e' }) });
    const names = model.layers.map((l) => l.name);
    expect(names).not.toContain('e_expand');
    expect((model.getLayer('e_dw_act').getConfig() as { activation: string }).activation).toBe('relu6');
    model.dispose();
    expect(() => invertedResidual(input, 3, { expansion: 0.5 })).toThrow(/invertedResidual: options\.expansion is 0\.5; expected a finite number >= 1/);
  });
});
