import { describe, expect, it } from 'vitest';
import { UnetKitError } from '../../src/core/errors.js';

describe('UnetKitError', () => {
  it('formats "function: argument message" and keeps both names as fields', () => {
    const error = new UnetKitError('unet', 'options.norm', "is 'bach'; expected one of 'batch'.");
    expect(error.message).toBe("unet: options.norm is 'bach'; expected one of 'batch'.");
    expect(error.functionName).toBe('unet');
    expect(error.argument).toBe('options.norm');
    expect(error.name).toBe('UnetKitError');
  });

  it('is an Error and catchable with one instanceof check', () => {
    const error = new UnetKitError('f', 'x', 'is bad.');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(UnetKitError);
    expect(() => {
      throw error;
    }).toThrow(UnetKitError);
    expect(error.stack).toContain('UnetKitError');
  });
});
