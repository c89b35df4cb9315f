// The CommonJS copies of the package (dist/**/*.cjs and *.d.cts) must name their `.cjs` siblings:
// esbuild does not rewrite relative specifiers when it does not bundle, and tsc's declarations
// name the ESM `.js` files. One rewrite for both (tsup.config.ts, scripts/declarations.mjs).

// `require('./x.js')`, `from './x.js'`, `import('./x.js')` and side-effect `import './x.js'`;
// TypeScript resolves the rewritten `./x.cjs` of a declaration to `./x.d.cts`.
const RELATIVE_JS = /((?:require\(|from |import\(|import )["']\.{1,2}\/[^"']*?)\.js(["'])/g;

/** `text` with every relative `.js` specifier pointing at its `.cjs` sibling instead. */
export function toCjsSpecifiers(text) {
  return text.replace(RELATIVE_JS, '$1.cjs$2');
}
