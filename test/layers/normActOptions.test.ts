import { describe, expect, it } from 'vitest';
import { ACTIVATION_TYPES, NORM_TYPES, resolveActivation, resolveNorm } from '../../src/layers/normActOptions.js';
import { UnetKitError } from '../../src/core/errors.js';

describe('resolveNorm', () => {
  it('fills the defaults of each type', () => {
    expect(resolveNorm('batch', 'f')).toEqual({ type: 'batch', momentum: 0.99, epsilon: 1e-3, affine: true, groups: 8 });
    expect(resolveNorm('instance', 'f')).toMatchObject({ type: 'instance', epsilon: 1e-5, affine: true });
    expect(resolveNorm('group', 'f')).toMatchObject({ type: 'group', groups: 8, epsilon: 1e-5, affine: true });
    expect(resolveNorm('layer', 'f')).toMatchObject({ type: 'layer', epsilon: 1e-3 });
    expect(resolveNorm('none', 'f').type).toBe('none');
    expect(NORM_TYPES).toEqual(['batch', 'instance', 'group', 'layer', 'none']);
  });

  it('takes options from an object spec', () => {
    expect(resolveNorm({ type: 'group', groups: 4, epsilon: 1e-6, affine: false }, 'f')).toMatchObject({
      type: 'group',
      groups: 4,
      epsilon: 1e-6,
      affine: false,
    });
    expect(resolveNorm({ type: 'batch', momentum: 0.9 }, 'f').momentum).toBe(0.9);
    expect(resolveNorm({ type: 'instance', affine: false }, 'f').affine).toBe(false);
  });

  it('rejects unknown names with the options and a suggestion, naming the caller and argument', () => {
    expect(() => resolveNorm('bach', 'unet')).toThrow(
      "unet: options.norm is 'bach'; expected one of 'batch', 'instance', 'group', 'layer', 'none'. Did you mean 'batch'?",
    );
    expect(() => resolveNorm({ type: 'instnce' }, 'unet', 'options.decoderNorm')).toThrow(
      /^unet: options.decoderNorm.type is 'instnce'; .* Did you mean 'instance'\?$/,
    );
    expect(() => resolveNorm(3, 'unet')).toThrow(/unet: options.norm is 3; expected one of 'batch', .* or \{ type, \.\.\.options \}/);
    expect(() => resolveNorm(null, 'unet')).toThrow(UnetKitError);
  });

  it('rejects options that do not belong to the type (not silently ignored)', () => {
    expect(() => resolveNorm({ type: 'batch', groups: 8 }, 'unet')).toThrow(
      'unet: options.norm.groups is not a known option; expected one of type, momentum, epsilon.',
    );
    expect(() => resolveNorm({ type: 'group', group: 8 }, 'unet')).toThrow(/options.norm.group is not a known option.*Did you mean 'groups'\?/);
    expect(() => resolveNorm({ type: 'none', epsilon: 1 }, 'unet')).toThrow(UnetKitError);
  });

  it('rejects bad values with the valid range', () => {
    expect(() => resolveNorm({ type: 'batch', momentum: 1.5 }, 'f')).toThrow('f: options.norm.momentum is 1.5; expected a finite number >= 0 and <= 1.');
    expect(() => resolveNorm({ type: 'group', epsilon: 0 }, 'f')).toThrow('f: options.norm.epsilon is 0; expected a finite number > 0.');
    expect(() => resolveNorm({ type: 'group', groups: 2.5 }, 'f')).toThrow('f: options.norm.groups is 2.5; expected an integer >= 1.');
    expect(() => resolveNorm({ type: 'instance', affine: 'yes' }, 'f')).toThrow("f: options.norm.affine is 'yes'; expected true or false.");
  });
});

describe('resolveActivation', () => {
  it('fills defaults: leaky slope 0.01 (nnU-Net / PyTorch), elu alpha 1', () => {
    expect(resolveActivation('leakyRelu', 'f')).toEqual({ type: 'leakyRelu', alpha: 0.01 });
    expect(resolveActivation('elu', 'f')).toEqual({ type: 'elu', alpha: 1 });
    expect(resolveActivation({ type: 'leakyRelu', alpha: 0.2 }, 'f')).toEqual({ type: 'leakyRelu', alpha: 0.2 });
    for (const type of ACTIVATION_TYPES) expect(resolveActivation(type, 'f').type).toBe(type);
  });

  it('rejects unknown names with a suggestion, and misplaced or bad alpha', () => {
    expect(() => resolveActivation('rleu', 'unet')).toThrow(/^unet: options.activation is 'rleu'; expected one of 'relu', .*'none'\. Did you mean 'relu'\?$/);
    expect(() => resolveActivation({ type: 'relu', alpha: 0.1 }, 'unet')).toThrow(
      'unet: options.activation.alpha is not a known option; expected one of type.',
    );
    expect(() => resolveActivation({ type: 'leakyRelu', alpha: -1 }, 'unet')).toThrow(
      'unet: options.activation.alpha is -1; expected a finite number >= 0.',
    );
    expect(() => resolveActivation(undefined, 'unet', 'options.act')).toThrow(/unet: options.act is undefined/);
    // tfjs' ELU layer would throw NotImplementedError at build time for alpha != 1
    expect(() => resolveActivation({ type: 'elu', alpha: 0.5 }, 'unet')).toThrow(
      "unet: options.activation.alpha is 0.5; expected 1 (tfjs' ELU layer supports only alpha 1).",
    );
  });
});
