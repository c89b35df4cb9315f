// The import rule of docs/architecture.md, checked the way `npm test` applies it (through ESLint),
// on imports that cross a floor on purpose, and against the folders that really exist.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { FLOORS } from '../../eslint.config.js';

const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

async function importErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the floors of src/', () => {
  it('name every folder of src/ and only look down: each floor lists only floors declared before it', () => {
    const folders = readdirSync(join(root, 'src')).filter((f) => statSync(join(root, 'src', f)).isDirectory());
    expect(Object.keys(FLOORS).sort()).toEqual(folders.sort());
    const order = Object.keys(FLOORS);
    for (const [floor, allowed] of Object.entries(FLOORS)) {
      for (const below of allowed) expect(order.indexOf(below), `${floor} -> ${below}`).toBeLessThan(order.indexOf(floor));
    }
  });

  it('fails lint on a deliberately wrong import, at any depth, and names the floors allowed', async () => {
    expect(await importErrors('src/core/x.ts', "import { spatialLayers } from '../layers/spatial.js';\n")).toEqual([
      expect.stringContaining("'../layers/spatial.js' import is restricted from being used by a pattern. src/core may import no other folder of src"),
    ]);
    expect(await importErrors('src/losses/x.ts', "import { head } from '../blocks/head.js';\n")).toEqual([
      expect.stringContaining('src/losses may import only src/core, src/ops (docs/architecture.md).'),
    ]);
    expect(await importErrors('src/metrics/x.ts', "export { unet } from '../models/index.js';\n")).toHaveLength(1);
    expect(await importErrors('src/kernels/cpu/x.ts', "import { useBackend } from '../../backend/useBackend.js';\n")).toHaveLength(1);
    expect(await importErrors('src/ops/x.ts', "import type * as tfl from '@tensorflow/tfjs-layers';\n")).toEqual([
      expect.stringContaining('src/ops is below the layers floor: no tfjs-layers (docs/architecture.md).'),
    ]);
  });

  it('lets a floor import itself and the floors below it', async () => {
    expect(await importErrors('src/models/x.ts', "import { doubleConv } from '../blocks/doubleConv.js';\nimport { fail } from '../core/assert.js';\n")).toEqual([]);
    expect(await importErrors('src/kernels/cpu/x.ts', "import { fail } from '../../core/assert.js';\nimport { x } from '../loops/geometry.js';\n")).toEqual([]);
    expect(await importErrors('src/train/dataParallel/x.ts', "import { saveModel } from '../../io/modelFiles.js';\nimport { readLogs } from '../logs.js';\n")).toEqual([]);
  });

  it('is written down in docs/architecture.md, floor by floor', () => {
    const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
    for (const [floor, allowed] of Object.entries(FLOORS)) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${floor}\``));
      expect(row, `a table row for ${floor}`).toBeDefined();
      const imports = row!.split('|')[2]!.trim();
      expect(imports, floor).toBe(allowed.length ? allowed.map((f) => `\`${f}\``).join(', ') : '(nothing)');
    }
  });
});
