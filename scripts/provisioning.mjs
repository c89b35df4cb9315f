// What the provisioning scripts share (provision-tfjs-node.mjs, provision-keras.mjs): the cache
// folder, the TensorFlow version both take from the machine's local Python index, and running
// pip against that index only.
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The tensorflow-cpu release tfjs-node links against and the Keras venv installs. */
export const TENSORFLOW_VERSION = '2.21.0';

/** $UNET_KIT_CACHE, else ~/.cache/unet-kit ($XDG_CACHE_HOME respected): reused across checkouts. */
export const CACHE = process.env.UNET_KIT_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'unet-kit');

/** Runs a command and returns its stdout (stderr kept on the error for messages). */
export function run(command, args, options = {}) {
  return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
}

/** One `pip config get` value, or '' when pip or the key is missing. */
export function pipConfig(key) {
  try {
    return run('python3', ['-m', 'pip', 'config', 'get', key]).trim();
  } catch {
    return '';
  }
}

/**
 * The local index (the `file:` URL among pip's extra-index-url), or undefined. Only a local index
 * is used: pip would otherwise retry an unreachable public index for minutes.
 */
export function localIndex() {
  return pipConfig('global.extra-index-url').split(/\s+/).find((u) => u.startsWith('file:'));
}

/** The last line of a failed command's stderr, for a one-line reason. */
export function lastLine(error) {
  return String(error.stderr ?? error).trim().split('\n').pop();
}

/**
 * `log` prefixed with the script's name, and `skip(reason)`, which says what skips instead
 * (`consequence`) and exits 0: a machine that cannot provision is not an error.
 */
export function reporter(name, consequence) {
  const log = (message) => console.log(`${name}: ${message}`);
  const skip = (reason) => {
    log(`skipped: ${reason}. ${consequence}`);
    process.exit(0);
  };
  return { log, skip };
}
