// Runs once per `vitest run`: one line saying whether the `tensorflow` suites run, and why not.
import { tensorflowAvailability } from './tensorflowBackend.js';

export default function setup(): void {
  const where = tensorflowAvailability();
  console.log(
    where.available
      ? `unet-kit tests: the numeric suites also run on the tensorflow backend (tfjs-node from ${where.entry})`
      : `unet-kit tests: the tensorflow suites are SKIPPED: ${where.reason}`,
  );
}
