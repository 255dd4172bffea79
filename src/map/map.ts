// map() and mapAll(): a task over many items as one run. Items are read from the source only as slots
// free up, so an iterable of millions never sits in memory; every item (or chunk of items) is a cached
// call, so a map that was killed and is started again reuses what had finished.
import { AsyncLocalStorage } from 'node:async_hooks';
import { CancelledError, TaskError, UsageError } from '../errors.ts';
import {
  Scheduler,
  type CacheMode,
  type RunSession,
  type SchedulerOptions,
  type SpeculationOptions,
} from '../scheduler/index.ts';
import type { JobEvent, SchedulerEvent } from '../scheduler/index.ts';
import type { Task } from '../task/index.ts';
import { mapChunk } from './chunk.ts';

/** Which items a job works on: `count` items from the `first` (0-based, in the order read). */
export interface ItemRange {
  first: number;
  count: number;
}

/** A scheduler event as map reports it: job events of an item's call say which items they are for. */
export type MapEvent = SchedulerEvent & { items?: ItemRange };

export interface MapOptions extends SchedulerOptions {
  /** The executor every item runs on. @default the task's own */
  executor?: string;
  /** Items read from the source and not yet given back, at most. @default 4096 */
  maxConcurrent?: number;
  /**
   * Items per job. Above 1, a chunk is one call of the built-in task `baton.map.chunk`: one job, one
   * cache entry, one record, so the cached unit is the chunk. @default 1
   */
  chunkSize?: number;
  /** Results in input order, or as they complete. @default true */
  ordered?: boolean;
  /** `fail`: the first error ends the map and cancels the rest; `collect`: an item's error is given in its place. @default 'fail' */
  errors?: 'fail' | 'collect';
  /** @default 'backend' */
  cache?: CacheMode;
  signal?: AbortSignal;
  /** Every scheduler event; a job event of an item's call (or of a call it made) carries `items`. */
  onEvent?: (event: MapEvent) => void;
  /**
   * Names the run: recorded with the execution (`baton log` shows it). Resuming needs no key: every
   * item is a cached call, so the same map started again reuses what finished. @default none
   */
  resumeKey?: string;
  /** @default true */
  provenance?: boolean;
  /**
   * Backup attempts for stragglers: once enough items have finished, an item running longer than a
   * percentile of finished runtimes times a factor gets a second attempt; the first result wins.
   * Tasks with `idempotent: false` are never speculated. `false` turns it off. @default {} (on)
   */
  speculation?: SpeculationOptions | false;
  /** A scheduler to run on (left open); otherwise one is made from these options and closed after. */
  scheduler?: Scheduler;
  /** Arguments passed after the item to every call (pipelines pass their config). @default [] */
  extraArgs?: readonly unknown[];
}

export const DEFAULT_MAX_CONCURRENT = 4096;

type Items<A> = Iterable<A> | AsyncIterable<A>;
type Outcome<R> = { ok: true; values: R[] } | { ok: false; error: unknown; count: number };

function iterate<A>(items: Items<A>): AsyncIterator<A> | Iterator<A> {
  if (items !== null && typeof items === 'object') {
    const asyncIterator = (items as AsyncIterable<A>)[Symbol.asyncIterator];
    if (typeof asyncIterator === 'function') return asyncIterator.call(items);
    const iterator = (items as Iterable<A>)[Symbol.iterator];
    if (typeof iterator === 'function') return iterator.call(items);
  }
  throw new UsageError(`map: the items are not iterable (got ${items === null ? 'null' : typeof items})`, {
    hint: 'give an array, an iterable or an async iterable',
  });
}

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`map: ${name} must be a whole number >= 1, got ${String(value)}`);
  }
  return value;
}

/** Reads up to `size` items; fewer only at the end of the source. */
async function readChunk<A>(source: AsyncIterator<A> | Iterator<A>, size: number): Promise<A[]> {
  const chunk: A[] = [];
  while (chunk.length < size) {
    const next = await source.next();
    if (next.done) break;
    chunk.push(next.value);
  }
  return chunk;
}

function evaluateChunk<A, R>(
  session: RunSession,
  call: Task<[A, ...unknown[]], R>,
  chunk: A[],
  chunked: boolean,
  extra: readonly unknown[],
): Promise<Outcome<R>> {
  const evaluated = chunked
    ? (session.evaluate(
        mapChunk.options({ ...call.def.options, ...call.overrides })(call as never, chunk, [...extra]),
      ) as Promise<R[]>)
    : (session.evaluate(call(chunk[0]!, ...extra)) as Promise<R>).then((value) => [value]);
  return evaluated.then(
    (values) => ({ ok: true, values }),
    (error: unknown) => ({ ok: false, error, count: chunk.length }),
  );
}

/**
 * Tags job events with the items whose evaluation they come from: the evaluation of a chunk runs in
 * an async context holding its range, where a job's first event is emitted; its later events may come
 * from an executor's callbacks, whose context is another's, so they are matched by job id.
 */
function itemTagger(onEvent: (event: MapEvent) => void) {
  const context = new AsyncLocalStorage<ItemRange>();
  const byJob = new Map<string, ItemRange>();
  const ended = new Set<JobEvent['type']>(['finished', 'cached', 'failed', 'cancelled']);
  return {
    context,
    onEvent(event: SchedulerEvent): void {
      if (!('jobId' in event)) return onEvent(event);
      const items = byJob.get(event.jobId) ?? context.getStore();
      if (items && !ended.has(event.type)) byJob.set(event.jobId, items);
      else byJob.delete(event.jobId);
      onEvent(items ? { ...event, items } : event);
    },
  };
}

/**
 * Runs `task` over every item as one run, giving results as they are ready: in input order (or
 * completion order with `ordered: false`). With `errors: 'collect'`, a failed item gives its error
 * (a TaskError) in its place; otherwise the first failure cancels the rest and is thrown.
 */
export function map<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options?: MapOptions & { errors?: 'fail' },
): AsyncGenerator<R, void, undefined>;
export function map<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options: MapOptions & { errors: 'collect' },
): AsyncGenerator<R | TaskError, void, undefined>;
export function map<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options?: MapOptions,
): AsyncGenerator<R | TaskError, void, undefined>;
export function map<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options: MapOptions = {},
): AsyncGenerator<R | TaskError, void, undefined> {
  return mapItems(task, items, options, false) as AsyncGenerator<R | TaskError, void, undefined>;
}

/**
 * `map`, giving each result with the index of its item (0-based, in the order the items were read):
 * what a consumer of `ordered: false` needs to know which item a result is for.
 */
export function mapIndexed<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options?: MapOptions & { errors?: 'fail' },
): AsyncGenerator<[number, R], void, undefined>;
export function mapIndexed<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options: MapOptions & { errors: 'collect' },
): AsyncGenerator<[number, R | TaskError], void, undefined>;
export function mapIndexed<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options?: MapOptions,
): AsyncGenerator<[number, R | TaskError], void, undefined>;
export function mapIndexed<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options: MapOptions = {},
): AsyncGenerator<[number, R | TaskError], void, undefined> {
  return mapItems(task, items, options, true) as AsyncGenerator<[number, R | TaskError], void, undefined>;
}

/** The generator behind map and mapIndexed: results alone, or `[index, result]` pairs. */
async function* mapItems<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options: MapOptions,
  indexed: boolean,
): AsyncGenerator<unknown, void, undefined> {
  const source = iterate(items);
  const maxConcurrent = positive(options.maxConcurrent, 'maxConcurrent', DEFAULT_MAX_CONCURRENT);
  const chunkSize = positive(options.chunkSize, 'chunkSize', 1);
  const ordered = options.ordered ?? true;
  const collect = options.errors === 'collect';
  const call = (options.executor ? task.options({ executor: options.executor }) : task) as Task<
    [A, ...unknown[]],
    R
  >;
  const extra = options.extraArgs ?? [];
  const scheduler = options.scheduler ?? new Scheduler(options);
  const tags = options.onEvent ? itemTagger(options.onEvent) : undefined;
  const key = options.resumeKey === undefined ? '' : `resumeKey=${JSON.stringify(options.resumeKey)}`;
  const session = await scheduler.begin(`map(${task.def.name})`, key, {
    cache: options.cache,
    signal: options.signal,
    onEvent: tags?.onEvent,
    provenance: options.provenance,
    speculation: options.speculation ?? {},
  });
  type Slot = { done: Promise<Outcome<R>>; settled?: Outcome<R>; first: number };
  // In the order they started (a Set: a settled slot leaves from anywhere in one step).
  const inFlight = new Set<Slot>();
  // Unordered: slots in the order they settle, so each result is found without looking at every slot.
  const settledInOrder: Slot[] = [];
  let settledSeen = 0;
  let onSettled: (() => void) | undefined;
  let held = 0;
  let exhausted = false;
  let given = 0;
  let read = 0;
  let failed = 0;
  let ended = false;
  const capacity = Math.max(maxConcurrent, chunkSize);
  // Refill in bursts, once half the slots are free: items that start together are looked up in one
  // cache read and sent to workers in one batch, where one at a time would pay both per item.
  const lowWater = Math.max(0, capacity - Math.max(chunkSize, Math.floor(capacity / 2)));
  try {
    for (;;) {
      if (held <= lowWater || inFlight.size === 0) {
        while (!exhausted && held + chunkSize <= capacity) {
          if (session.signal.aborted) throw session.signal.reason ?? new CancelledError('map was cancelled');
          const chunk = await readChunk(source, chunkSize);
          if (chunk.length < chunkSize) exhausted = true;
          if (chunk.length === 0) break;
          held += chunk.length;
          const evaluate = () => evaluateChunk(session, call, chunk, chunkSize > 1, extra);
          const range = { first: read, count: chunk.length };
          read += chunk.length;
          const slot: Slot = {
            done: tags ? tags.context.run(range, evaluate) : evaluate(),
            first: range.first,
          };
          void slot.done.then((outcome) => {
            slot.settled = outcome;
            if (ordered) return;
            settledInOrder.push(slot);
            onSettled?.();
          });
          inFlight.add(slot);
        }
      }
      if (inFlight.size === 0) break;
      let slot: Slot;
      if (ordered) {
        slot = inFlight.values().next().value!;
        await slot.done;
      } else {
        while (settledSeen === settledInOrder.length) {
          await new Promise<void>((resolve) => (onSettled = resolve));
          onSettled = undefined;
        }
        slot = settledInOrder[settledSeen++]!;
        if (settledSeen === settledInOrder.length) settledInOrder.length = settledSeen = 0;
      }
      inFlight.delete(slot);
      const outcome = slot.settled ?? (await slot.done);
      held -= outcome.ok ? outcome.values.length : outcome.count;
      if (outcome.ok) {
        for (let i = 0; i < outcome.values.length; i++) {
          given++;
          yield indexed ? [slot.first + i, outcome.values[i]] : outcome.values[i];
        }
        continue;
      }
      if (!collect) throw outcome.error;
      const error =
        outcome.error instanceof TaskError
          ? outcome.error
          : new TaskError({
              taskName: task.def.name,
              callPath: task.def.name,
              name: (outcome.error as Error)?.name ?? 'Error',
              message: (outcome.error as Error)?.message ?? String(outcome.error),
              stack: (outcome.error as Error)?.stack,
            });
      for (let i = 0; i < outcome.count; i++) {
        failed++;
        given++;
        yield indexed ? [slot.first + i, error] : error;
      }
    }
    ended = true;
    session.finish({ items: given, failed });
  } catch (error) {
    ended = true;
    await session.fail(error);
  } finally {
    if (!ended) {
      // The consumer stopped early (break, return, throw): cancel what is still running.
      await session
        .fail(new CancelledError(`map(${task.def.name}) was stopped by its consumer`))
        .catch(() => undefined);
    }
    await (source as AsyncIterator<A>).return?.();
    if (!options.scheduler) await scheduler.close();
  }
}

/** Every result of `map`, in input order. */
export function mapAll<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options?: MapOptions & { errors?: 'fail' },
): Promise<R[]>;
export function mapAll<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options: MapOptions & { errors: 'collect' },
): Promise<Array<R | TaskError>>;
export function mapAll<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options?: MapOptions,
): Promise<Array<R | TaskError>>;
export async function mapAll<A, R>(
  task: Task<[A], R>,
  items: Items<A>,
  options: MapOptions = {},
): Promise<Array<R | TaskError>> {
  const results: Array<R | TaskError> = [];
  for await (const result of map(task, items, { ...options, ordered: true })) results.push(result);
  return results;
}
