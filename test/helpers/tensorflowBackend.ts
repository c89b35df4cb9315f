import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where `scripts/provision-tfjs-node.mjs` puts tfjs-node on a machine that cannot download libtensorflow. */
export const PROVISIONED_TFJS_NODE = join(ROOT, '.cache', 'tfjs-node', 'node_modules', '@tensorflow', 'tfjs-node');

type Availability = { available: true; entry: string } | { available: false; reason: string };

let cached: Availability | undefined;

/**
 * Where tfjs-node can be loaded from: the normally installed package (`npm install
 * @tensorflow/tfjs-node`), else the provisioned copy; or why neither exists. Synchronous, so
 * suites can decide at collection time whether a `[tensorflow]` block runs.
 */
export function tensorflowAvailability(): Availability {
  if (cached !== undefined) return cached;
  try {
    cached = { available: true, entry: require.resolve('@tensorflow/tfjs-node') };
  } catch {
    cached = existsSync(join(ROOT, '.cache', 'tfjs-node', 'provisioned.json'))
      ? { available: true, entry: PROVISIONED_TFJS_NODE }
      : {
          available: false,
          reason:
            '@tensorflow/tfjs-node is not installed and was not provisioned (run `node scripts/provision-tfjs-node.mjs`; it needs a local tensorflow-cpu 2.21 wheel, see README "Native backend on an offline machine")',
        };
  }
  return cached;
}

/**
 * Loads tfjs-node (registering the `tensorflow` backend with the project's tfjs-core) from
 * wherever {@link tensorflowAvailability} found it. Throws when it is not available or fails to load.
 *
 * @example `if (tensorflowAvailability().available) loadTensorflowBackend();`
 */
export function loadTensorflowBackend(): void {
  const where = tensorflowAvailability();
  if (!where.available) throw new Error(where.reason);
  // libtensorflow's INFO lines (CPU feature notes) would otherwise fill the test log.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  require(where.entry);
}
