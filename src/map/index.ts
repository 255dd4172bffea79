// Parallel map over many items as one run (kubeface's map on Baton's scheduler), and rechunker-style
// pipelines of stages built on it.
export { map, mapAll, DEFAULT_MAX_CONCURRENT, type MapOptions } from './map.ts';
export { mapChunk } from './chunk.ts';
export {
  Stage,
  Pipeline,
  executePipelines,
  type ParallelPipelines,
  type PipelineStage,
  type PipelineResults,
} from './pipeline.ts';
