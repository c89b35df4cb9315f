/**
 * unet-kit/blocks (filled by later issues).
 * @module
 */
export {};
