// The state of a map item by item, built from the scheduler's events (which map tags with the items
// they are for) and from the results as the caller receives them. A snapshot is plain JSON: the
// status page is rendered from it, and tools can read it.
import type { MapEvent } from './map.ts';

export type ItemState = 'queued' | 'running' | 'done' | 'cached' | 'failed' | 'cancelled';

export interface ItemStatus {
  index: number;
  state: ItemState;
  /** Attempts started (0 for an item served from the cache). */
  attempts: number;
  /** How long its job ran, in ms (with chunks, the chunk's job); absent until it has run. */
  runtimeMs?: number;
  /** The item, as short JSON. */
  item?: string;
  /** `Error: message` of a failed item. */
  error?: string;
}

export interface MapStatusSnapshot {
  format: 'baton.map-status/1';
  /** What is mapped: the expression, or the task's name. */
  title: string;
  executionId?: string;
  resumeKey?: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  /** ms since the epoch */
  startedAt: number;
  updatedAt: number;
  endedAt?: number;
  /** Whether every item has been read from the source (so `counts.items` is the total). */
  allRead: boolean;
  counts: Record<ItemState, number> & { items: number; retries: number };
  /** Job runtimes: how many ran for at most `upToMs` (and more than the bucket before); null is the rest. */
  histogram: Array<{ upToMs: number | null; count: number }>;
  /** Every item, or when there are many, those not finished, the failed and the slowest. */
  items: ItemStatus[];
  itemsListed: 'all' | 'some';
  /** Why the map stopped, when it failed. */
  error?: string;
}

/** Up to this many items, the snapshot lists every one. */
const LIST_ALL_UP_TO = 5000;
const MAX_FAILED_LISTED = 1000;
const MAX_SLOWEST_LISTED = 100;
const PREVIEW_CHARS = 120;
const BUCKETS_MS = [1, 3, 10, 30, 100, 300, 1000, 3000, 10_000, 30_000, 100_000, 300_000];
const FINAL: ReadonlySet<ItemState> = new Set(['done', 'cached', 'failed']);

interface Item extends ItemStatus {
  jobId?: string;
  startedAt?: number;
}

/** The JSON of `value`, cut to a preview length; values JSON cannot show are described. */
export function preview(value: unknown): string {
  let text: string;
  try {
    text =
      JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

export class MapStatus {
  private readonly title: string;
  private readonly resumeKey: string | undefined;
  private readonly startedAt = Date.now();
  private executionId: string | undefined;
  private state: MapStatusSnapshot['state'] = 'running';
  private endedAt: number | undefined;
  private error: string | undefined;
  private allRead = false;
  private readonly counts: MapStatusSnapshot['counts'] = {
    items: 0,
    queued: 0,
    running: 0,
    done: 0,
    cached: 0,
    failed: 0,
    cancelled: 0,
    retries: 0,
  };
  private readonly histogram = new Array<number>(BUCKETS_MS.length + 1).fill(0);
  /** Items read and not yet given back. */
  private readonly live = new Map<number, Item>();
  /** Items given back that the snapshot lists. */
  private readonly listed = new Map<number, Item>();
  private failedListed = 0;
  /** The items that ran longest, longest first. */
  private readonly slowest: Item[] = [];
  /** Bumped on every change, so a writer knows whether there is anything new. */
  version = 0;

  constructor(options: { title: string; resumeKey?: string | undefined }) {
    this.title = options.title;
    this.resumeKey = options.resumeKey;
  }

  /** Item `index` was read from the source. */
  read(index: number, item: unknown): void {
    this.counts.items++;
    this.counts.queued++;
    this.live.set(index, { index, state: 'queued', attempts: 0, item: preview(item) });
    this.version++;
  }

  /** Every item has been read. */
  sourceEnded(): void {
    this.allRead = true;
    this.version++;
  }

  readonly onEvent = (event: MapEvent): void => {
    if (event.type === 'execution-started') this.executionId ??= event.executionId;
    if (!('jobId' in event) || !event.items) return;
    if (event.type === 'retried') this.counts.retries++;
    if (event.type === 'finished') {
      const started = this.live.get(event.items.first)?.startedAt;
      if (started !== undefined) this.histogram[bucket(event.time - started)]!++;
    }
    for (let index = event.items.first; index < event.items.first + event.items.count; index++) {
      const item = this.live.get(index);
      if (!item || FINAL.has(item.state)) continue;
      // Calls that an item's call made are tagged with its items too: follow the item's own job.
      item.jobId ??= event.jobId;
      if (item.jobId !== event.jobId) continue;
      this.apply(item, event);
    }
    this.version++;
  };

  private apply(item: Item, event: MapEvent & { jobId: string }): void {
    switch (event.type) {
      case 'queued':
      case 'retried':
        if (event.type === 'retried') item.attempts = Math.max(item.attempts, event.attempt);
        return this.move(item, 'queued');
      case 'started':
        item.attempts = Math.max(item.attempts, event.attempt);
        item.startedAt = event.time;
        return this.move(item, 'running');
      case 'finished':
        if (item.startedAt !== undefined) item.runtimeMs = event.time - item.startedAt;
        return this.move(item, 'done');
      case 'cached':
        return this.move(item, 'cached');
      case 'failed':
        item.error = event.error ? `${event.error.name}: ${event.error.message}` : 'failed';
        return this.move(item, 'failed');
      case 'cancelled':
        return this.move(item, 'cancelled');
    }
  }

  private move(item: Item, to: ItemState): void {
    this.counts[item.state]--;
    this.counts[to]++;
    item.state = to;
  }

  /** The caller received item `index`'s result (or its error). */
  result(index: number, error?: unknown): void {
    const item = this.live.get(index);
    if (!item) return;
    this.live.delete(index);
    if (error !== undefined) {
      item.error ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (item.state !== 'failed') this.move(item, 'failed');
    } else if (item.state !== 'cached' && item.state !== 'done') this.move(item, 'done');
    this.keep(item);
    this.version++;
  }

  private keep(item: Item): void {
    const few = this.counts.items <= LIST_ALL_UP_TO;
    if (few || (item.state === 'failed' && this.failedListed++ < MAX_FAILED_LISTED))
      this.listed.set(item.index, item);
    if (item.runtimeMs === undefined) return;
    // Many items: of those that went well, only the slowest are listed.
    const at = this.slowest.findIndex((kept) => kept.runtimeMs! < item.runtimeMs!);
    if (at >= 0) this.slowest.splice(at, 0, item);
    else if (this.slowest.length < MAX_SLOWEST_LISTED) this.slowest.push(item);
    if (this.slowest.length > MAX_SLOWEST_LISTED) this.slowest.pop();
  }

  /** The map has ended. */
  end(state: 'done' | 'failed' | 'cancelled', error?: unknown): void {
    this.state = state;
    this.endedAt = Date.now();
    if (error !== undefined) this.error = error instanceof Error ? error.message : String(error);
    this.version++;
  }

  snapshot(): MapStatusSnapshot {
    const shown = new Map<number, Item>();
    for (const item of [...this.listed.values(), ...this.slowest, ...this.live.values()])
      shown.set(item.index, item);
    const items = [...shown.values()]
      .sort((a, b) => a.index - b.index)
      .map(({ jobId: _job, startedAt: _started, ...status }) => status);
    const snapshot: MapStatusSnapshot = {
      format: 'baton.map-status/1',
      title: this.title,
      state: this.state,
      startedAt: this.startedAt,
      updatedAt: Date.now(),
      allRead: this.allRead,
      counts: { ...this.counts },
      histogram: this.histogram.map((count, i) => ({ upToMs: BUCKETS_MS[i] ?? null, count })),
      items,
      itemsListed: this.counts.items <= LIST_ALL_UP_TO ? 'all' : 'some',
    };
    if (this.executionId !== undefined) snapshot.executionId = this.executionId;
    if (this.resumeKey !== undefined) snapshot.resumeKey = this.resumeKey;
    if (this.endedAt !== undefined) snapshot.endedAt = this.endedAt;
    if (this.error !== undefined) snapshot.error = this.error;
    return snapshot;
  }
}

function bucket(ms: number): number {
  const index = BUCKETS_MS.findIndex((limit) => ms <= limit);
  return index < 0 ? BUCKETS_MS.length : index;
}
