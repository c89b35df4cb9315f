// What one loss costs a browser app: `import { diceLoss } from 'unet-kit'` bundled from the built
// package as a consumer's bundler sees it (minified, tfjs external). Run after `npm run build`.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { useConsumerProject } from './consumer.js';

/**
 * Ceiling on the unet-kit bytes in that bundle. The goal is 5,000; the smallest build that keeps
 * every validation message and did-you-mean hint was about 7,400 (see the losses' and core's
 * error paths); MONAI's `softLabel` and SMP's `denominatorFloor` / `zeroAbsentClasses` (issue 13)
 * brought it to 7,821, and the finite-input check on yPred (issue 12) to 8,526, so this guards
 * against growth from there.
 */
const DICE_LOSS_LIMIT = 8_600;

const consumerDir = useConsumerProject('unet-kit-bundle-size-');

/** Bytes each unet-kit file contributes to a minified browser bundle of `contents`. */
async function bundledBytes(contents: string): Promise<Array<[string, number]>> {
  const result = await build({
    stdin: { contents, resolveDir: consumerDir(), loader: 'js' },
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    external: ['@tensorflow/*'],
    metafile: true,
    logLevel: 'silent',
  });
  return Object.values(result.metafile.outputs)
    .flatMap((o) => Object.entries(o.inputs))
    .filter(([file, info]) => info.bytesInOutput > 0 && /(^|\/)dist\//.test(file))
    .map(([file, info]): [string, number] => [file.replace(/^.*?dist\//, 'dist/'), info.bytesInOutput]);
}

describe('bundle size', () => {
  it(`diceLoss alone bundles to under ${DICE_LOSS_LIMIT} bytes of unet-kit code`, async () => {
    const files = await bundledBytes("import { diceLoss } from 'unet-kit'; console.log(diceLoss);");
    const total = files.reduce((sum, [, bytes]) => sum + bytes, 0);
    const breakdown = files.map(([file, bytes]) => `${bytes} ${file}`).join(', ');
    expect(files.length, 'no unet-kit file in the bundle: did the import resolve?').toBeGreaterThan(0);
    expect(total, `diceLoss bundles to ${total} bytes of unet-kit code (${breakdown})`).toBeLessThan(DICE_LOSS_LIMIT);
  });
});
