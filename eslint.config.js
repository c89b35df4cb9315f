import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The floors of src/ (docs/architecture.md): each folder may import only itself and the folders
 * listed for it, all of them lower down. `npm test` lints, so crossing a floor fails the build.
 */
export const FLOORS = {
  core: [],
  kernels: ['core'],
  ops: ['core'],
  backend: ['core', 'kernels'],
  layers: ['core', 'kernels'],
  blocks: ['core', 'layers'],
  models: ['core', 'ops', 'layers', 'blocks'],
  losses: ['core', 'ops'],
  metrics: ['core', 'ops'],
  augment: ['core', 'ops'],
  data: ['core', 'ops'],
  compress: ['core'],
  io: ['core', 'layers', 'compress'],
  inference: ['core', 'ops', 'data'],
  explain: ['core', 'ops'],
  train: ['core', 'kernels', 'layers', 'io'],
  cli: ['core', 'backend', 'models', 'losses', 'metrics', 'data', 'io', 'inference', 'train'],
};

// Floors whose code is pure tensor math: they never build Keras layers.
const WITHOUT_TFJS_LAYERS = ['core', 'kernels', 'ops', 'augment', 'data'];

function floorRules(floor, allowed) {
  const forbidden = Object.keys(FLOORS).filter((f) => f !== floor && !allowed.includes(f));
  const patterns = [
    {
      // A relative specifier with a forbidden floor as one of its folders, at any depth.
      regex: `^\\.{1,2}/(?:\\.\\./)*(?:${forbidden.join('|')})(?:/|\\.js$|$)`,
      message: allowed.length
        ? `src/${floor} may import only ${allowed.map((f) => `src/${f}`).join(', ')} (docs/architecture.md).`
        : `src/${floor} may import no other folder of src (docs/architecture.md).`,
    },
  ];
  if (WITHOUT_TFJS_LAYERS.includes(floor)) {
    patterns.push({ regex: '^@tensorflow/tfjs-layers', message: `src/${floor} is below the layers floor: no tfjs-layers (docs/architecture.md).` });
  }
  return { files: [`src/${floor}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['.cache/', 'dist/', 'docs/api/', 'docs/.vitepress/', 'node_modules/', 'coverage/', 'out/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' }],
    },
  },
  ...Object.entries(FLOORS).map(([floor, allowed]) => floorRules(floor, allowed)),
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
