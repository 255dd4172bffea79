// Parallel map over many items as one run (kubeface's map on Baton's scheduler), and rechunker-style
// pipelines of stages built on it.
export {
  map,
  mapAll,
  mapIndexed,
  DEFAULT_MAX_CONCURRENT,
  type ItemRange,
  type MapEvent,
  type MapOptions,
} from './map.ts';
export { mapChunk } from './chunk.ts';
export { compileExpression, describeValue, evaluateSource, mapExpression } from './expression.ts';
export { MapStatus, preview, type MapStatusSnapshot, type ItemStatus, type ItemState } from './status.ts';
export { renderStatusPage } from './status-page.ts';
export {
  Stage,
  Pipeline,
  executePipelines,
  type ParallelPipelines,
  type PipelineStage,
  type PipelineResults,
} from './pipeline.ts';
