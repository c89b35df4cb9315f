/**
 * The one error class of unet-kit. Every public function validates its inputs and throws this
 * class with a message that names the function, the argument, the bad value and what would be
 * valid, so callers can catch library errors with one `instanceof` check.
 *
 * @example
 * ```ts
 * try { unet({ inputShape: [100, 100, 1], numClasses: 2 }); }
 * catch (e) { if (e instanceof UnetKitError) console.log(e.functionName, e.argument); }
 * ```
 */
export class UnetKitError extends Error {
  // `declare`: both are assigned in the constructor, so no separate field definitions are emitted.
  /** The public function that rejected its input, e.g. `'unet'`. */
  declare readonly functionName: string;
  /** The argument (or option path, e.g. `'options.norm'`) that was invalid. */
  declare readonly argument: string;

  constructor(functionName: string, argument: string, message: string) {
    super(`${functionName}: ${argument} ${message}`);
    this.name = 'UnetKitError';
    this.functionName = functionName;
    this.argument = argument;
  }
}
