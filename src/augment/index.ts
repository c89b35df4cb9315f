/**
 * unet-kit/augment (filled by later issues).
 * @module
 */
export {};
