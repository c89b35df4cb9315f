// `npm run demo`: train a 2.5D U-Net on the ITK brain T1 MRI and report held-out Dice / HD95.
// Options: --epochs N, --quick (tiny CI settings), --out DIR (default out/demo), --backend NAME, --data DIR.
import { parseArgs } from 'node:util';
import type { BackendName } from 'unet-kit/backend';
import { runDemo } from './run.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'out/demo' },
    backend: { type: 'string', default: 'auto' },
    data: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log('usage: npm run demo -- [--epochs N] [--quick] [--out DIR] [--backend auto|wasm|cpu|tensorflow] [--data DIR]');
  process.exit(0);
}
const epochs = values.epochs === undefined ? undefined : Number(values.epochs);
if (epochs !== undefined && (!Number.isInteger(epochs) || epochs < 1)) {
  console.error(`--epochs must be a positive integer, got '${values.epochs}'`);
  process.exit(2);
}
await runDemo({ quick: values.quick, epochs, out: values.out, dataDir: values.data, backend: values.backend as BackendName });
