/**
 * unet-kit/inference (filled by later issues).
 * @module
 */
export {};
