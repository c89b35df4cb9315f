/**
 * unet-kit/data (filled by later issues).
 * @module
 */
export {};
