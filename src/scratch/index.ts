// Scratch space for remote jobs: the interface, its layout, and the filesystem implementation.
export type { Scratch } from './types.ts';
export { scratchLayout, checkKey, type JobFile } from './layout.ts';
export { FsScratch } from './fs-scratch.ts';
export { openScratch } from './open.ts';
