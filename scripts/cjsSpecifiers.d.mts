/** `text` with every relative `.js` specifier pointing at its `.cjs` sibling instead. */
export declare function toCjsSpecifiers(text: string): string;
