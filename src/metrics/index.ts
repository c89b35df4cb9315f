/**
 * unet-kit/metrics (filled by later issues).
 * @module
 */
export {};
