// Pipelines as rechunker has them: a Stage maps one task over its items, a Pipeline runs its stages in
// order (each stage a barrier) with one config given to every call, and pipelines given together run
// side by side. They run on the map machinery, so on any executor, cached and resumable the same way.
import { UsageError } from '../errors.ts';
import { Scheduler } from '../scheduler/index.ts';
import type { Task, TaskDef } from '../task/index.ts';
import { mapAll, type MapOptions } from './map.ts';

/** One task mapped over many items; each call is given `(item, config)`. */
export class Stage<I = unknown, C = unknown, R = unknown> {
  readonly task: Task<[I, C], R>;
  /** The items; a stage without items makes one call, given `(undefined, config)`. */
  readonly items: Iterable<I> | AsyncIterable<I> | undefined;
  readonly name: string;

  constructor(task: Task<[I, C], R>, items?: Iterable<I> | AsyncIterable<I>, name?: string) {
    this.task = task;
    this.items = items;
    this.name = name ?? task.def.name;
  }
}

/** What a pipeline needs of a stage, whatever its item, config and result types. */
export interface PipelineStage {
  readonly name: string;
  readonly items: Iterable<unknown> | AsyncIterable<unknown> | undefined;
  readonly task: { readonly def: TaskDef };
}

/** Stages run one after another; `config` is the second argument of every call. */
export class Pipeline<C = unknown> {
  readonly stages: readonly PipelineStage[];
  readonly config: C;

  constructor(spec: { stages: readonly PipelineStage[]; config: C }) {
    if (!Array.isArray(spec.stages) || spec.stages.length === 0) {
      throw new UsageError('a Pipeline needs at least one Stage', {
        hint: 'new Pipeline({ stages: [new Stage(task, items)], config })',
      });
    }
    for (const [index, stage] of spec.stages.entries()) {
      if (!(stage instanceof Stage)) {
        throw new UsageError(`stage ${index} of the pipeline is not a Stage`, {
          hint: 'wrap each task as new Stage(task, items)',
        });
      }
    }
    this.stages = spec.stages;
    this.config = spec.config;
  }
}

/** Pipelines that run side by side: each keeps its own stage order. */
export type ParallelPipelines = ReadonlyArray<Pipeline<unknown>>;

/** What each pipeline's stages gave back: results[pipeline][stage][item]. */
export type PipelineResults = unknown[][][];

/**
 * Runs `pipelines` (one, or several side by side) on the scheduler's executors: `executor` sends every
 * call to one executor; the other options are map's (chunkSize, maxConcurrent, speculation, cache...).
 */
export async function executePipelines(
  pipelines: Pipeline<unknown> | ParallelPipelines,
  options: Omit<MapOptions, 'errors' | 'extraArgs' | 'ordered'> = {},
): Promise<PipelineResults> {
  const list: ParallelPipelines = pipelines instanceof Pipeline ? [pipelines] : pipelines;
  const scheduler = options.scheduler ?? new Scheduler(options);
  try {
    return await Promise.all(
      list.map(async (pipeline) => {
        const results: unknown[][] = [];
        for (const stage of pipeline.stages) {
          const items = stage.items ?? [undefined];
          results.push(
            await mapAll(stage.task as Task<[unknown], unknown>, items, {
              ...options,
              scheduler,
              extraArgs: [pipeline.config],
            }),
          );
        }
        return results;
      }),
    );
  } finally {
    if (!options.scheduler) await scheduler.close();
  }
}
