// A worker that has gone idle after jobs that left much garbage collects it, rather than holding it
// until its next jobs allocate: V8 starts a full collection under allocation pressure, and an idle
// worker allocates nothing, so a task that built a large value once kept its worker's heap (and the
// process's memory) that large for as long as the pool lived.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleCollectorOptions {
  /** How long the worker stays idle before it collects. @default 1000 */
  delayMs?: number;
  /**
   * How far the used heap may grow past its size after the last collection before an idle one (or a
   * quarter of that size, if more). @default 64 MiB
   */
  growthBytes?: number;
}
/** Looks at the heap at most this often: a chain of quick jobs goes idle after each one. */
const CHECK_INTERVAL_MS = 100;

let fullCollection: (() => void) | null | undefined;

/**
 * V8's full collection, without `--expose-gc` on the command line: the flag set at run time takes
 * effect in contexts created after it (jest's leak detector does the same). Null where V8 refuses.
 */
function collector(): (() => void) | null {
  if (fullCollection === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      fullCollection = typeof gc === 'function' ? (gc as () => void) : null;
    } catch {
      fullCollection = null;
    } finally {
      // Contexts the tasks create later get no `gc` of their own.
      setFlagsFromString('--no-expose-gc');
    }
  }
  return fullCollection;
}

const heapUsed = (): number => getHeapStatistics().used_heap_size;

export class IdleCollector {
  /** Collections made so far. */
  collections = 0;
  private readonly delayMs: number;
  private readonly growthBytes: number;
  private timer: NodeJS.Timeout | undefined;
  private baseline = heapUsed();
  private checkedAt = Number.NEGATIVE_INFINITY;
  /** The heap was found grown and has not been collected since (work came before the delay was up). */
  private grown = false;
  private working = false;
  private idleSince = 0;

  constructor(options: IdleCollectorOptions = {}) {
    this.delayMs = options.delayMs ?? 1000;
    this.growthBytes = options.growthBytes ?? 64 * 2 ** 20;
  }

  /** The worker has work again: no collection until it has been idle for the whole delay. */
  busy(): void {
    this.working = true;
  }

  /** The worker has nothing to do: collect once it has stayed so, if its heap grew enough. */
  idle(): void {
    this.working = false;
    this.idleSince = performance.now();
    if (this.timer !== undefined) return;
    if (!this.grown) {
      if (this.idleSince - this.checkedAt < CHECK_INTERVAL_MS) return;
      this.checkedAt = this.idleSince;
      // Growth relative to what the worker keeps, too: a large live heap is costly to collect.
      if (heapUsed() < this.baseline + Math.max(this.growthBytes, this.baseline / 4)) return;
      this.grown = true;
    }
    this.arm(this.delayMs);
  }

  // One timer per delay at most, not one per job: quick jobs only flip `working` and `idleSince`.
  private arm(ms: number): void {
    this.timer = setTimeout(() => this.fire(), ms);
    // Never what keeps a worker (or the process) alive.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    // Busy: the next idle() arms again.
    if (this.working) return;
    const idleFor = performance.now() - this.idleSince;
    if (idleFor < this.delayMs) {
      this.arm(this.delayMs - idleFor);
      return;
    }
    this.grown = false;
    const collect = collector();
    if (collect) {
      collect();
      this.collections++;
    }
    this.baseline = heapUsed();
  }
}
