/**
 * unet-kit/losses (filled by later issues).
 * @module
 */
export {};
