// Types of eslint.config.js for the tests that read its floor table.
import type { Linter } from 'eslint';

/** The floors of src/ and the floors each may import (docs/architecture.md). */
export declare const FLOORS: Record<string, readonly string[]>;

declare const config: Linter.Config[];
export default config;
