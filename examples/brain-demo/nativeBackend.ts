import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Loads @tensorflow/tfjs-node when it is there, so that `--backend auto` picks the native
 * `tensorflow` backend: the installed package, else the copy scripts/provision-tfjs-node.mjs
 * provisions in this repository's `.cache/tfjs-node/` (outside Node's search path). Returns
 * where it came from, or `undefined` (then `auto` falls back to wasm or cpu).
 */
export function loadNativeBackend(): string | undefined {
  const provisioned = join(import.meta.dirname, '..', '..', '.cache', 'tfjs-node', 'node_modules', '@tensorflow', 'tfjs-node');
  let entry: string | undefined;
  try {
    entry = require.resolve('@tensorflow/tfjs-node');
  } catch {
    entry = existsSync(join(provisioned, 'package.json')) ? provisioned : undefined;
  }
  if (entry === undefined) return undefined;
  // libtensorflow's INFO lines (CPU feature notes) would otherwise open the demo's output.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  require(entry);
  return entry;
}
