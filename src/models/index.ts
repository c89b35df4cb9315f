/**
 * unet-kit/models (filled by later issues).
 * @module
 */
export {};
