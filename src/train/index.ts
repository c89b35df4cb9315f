/**
 * unet-kit/train (filled by later issues).
 * @module
 */
export {};
