import * as tf from '@tensorflow/tfjs-core';

/**
 * @internal Runs a model factory's `build` and, if it throws, disposes every tf variable
 * registered since it started, then rethrows the original error.
 *
 * Why: tfjs-layers creates a layer's weight variables when the layer is first applied to a
 * symbolic tensor, so a functional build that throws half-way (a rejected option found deep in a
 * block, a tfjs shape error) has already allocated the weights of every layer before the fault.
 * No model owns those layers, so nothing could ever dispose them: each failed call would leak
 * memory, and the variables would stay in `tf.engine().registeredVariables` (and in the
 * `tf.variableGrads` default list) for the rest of the program.
 *
 * The build must be synchronous (a functional build is), so every variable registered meanwhile
 * is one of its own. Only variables are freed: the other tensors a build creates (initializer
 * values) are scoped by tfjs itself. Not part of the public API.
 *
 * @returns what `build` returns.
 * @example
 * ```ts
 * const model = guardedBuild(() => {
 *   const input = tfl.input({ shape: [16, 16, 1] });
 *   const features = doubleConv(input, 8, { name: 'enc1' }); // a throw here leaves no weights behind
 *   return tfl.model({ inputs: input, outputs: head(features, 2, { name: 'head' }) });
 * });
 * ```
 */
export function guardedBuild<T>(build: () => T): T {
  const before = new Set(Object.keys(tf.engine().registeredVariables));
  try {
    return build();
  } catch (error) {
    disposeVariablesSince(before);
    throw error;
  }
}

/** Disposes the registered variables whose names are not in `before`. */
function disposeVariablesSince(before: ReadonlySet<string>): void {
  const registered = tf.engine().registeredVariables;
  // Copy the names first: disposing a variable deletes it from the map being walked.
  for (const name of Object.keys(registered)) {
    if (before.has(name)) continue;
    try {
      registered[name]?.dispose();
    } catch {
      // The caller must see the build's error, not a failure of this clean-up.
    }
  }
}
