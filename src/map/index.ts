// Parallel map over many items as one run (kubeface's map on Baton's scheduler).
export { map, mapAll, DEFAULT_MAX_CONCURRENT, type MapOptions } from './map.ts';
export { mapChunk } from './chunk.ts';
