// Scratch space for remote jobs: the interface, its layout, and the folder and S3 implementations.
export type { Scratch } from './types.ts';
export { scratchLayout, checkKey, type JobFile } from './layout.ts';
export { FsScratch } from './fs-scratch.ts';
export { S3Scratch, type S3ScratchOptions } from './s3-scratch.ts';
export { openScratch, type OpenScratchOptions } from './open.ts';
