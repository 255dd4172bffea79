// While an execution runs, its scheduler writes a heartbeat (so `baton log` can tell it from one whose
// process died) and looks for a cancel request that `baton cancel` recorded, from this host or
// another that shares the store. The executions watched through one store share one timer: a run
// of one quick call paid more for a timer of its own than for its job's records.
import { CancelledError } from '../errors.ts';
import { HEARTBEAT_INTERVAL, type Store } from '../store/index.ts';

interface Watched {
  readonly executionId: string;
  readonly since: number;
  readonly cancel: (reason: CancelledError) => void;
  /** A read of its cancel request is under way: a slow store must not pile them up. */
  asking: boolean;
}

/** One timer for every execution watched through a store at one interval. */
class Ticker {
  readonly watched = new Set<Watched>();
  private readonly timer: NodeJS.Timeout;

  constructor(store: Store, interval: number, onEmpty: () => void) {
    this.timer = setInterval(() => {
      for (const entry of this.watched) this.tick(store, entry);
      if (this.watched.size === 0) {
        clearInterval(this.timer);
        onEmpty();
      }
    }, interval);
    // The watch must not keep a finished process alive.
    this.timer.unref();
  }

  private tick(store: Store, entry: Watched): void {
    if (entry.asking) return;
    const now = Date.now();
    if (now <= entry.since) return;
    let requested: Promise<boolean>;
    try {
      store.updateExecution(entry.executionId, { heartbeatAt: now });
      requested = store.cancelRequested(entry.executionId);
    } catch {
      // The store was closed under a run that did not end: nothing left to watch.
      this.watched.delete(entry);
      return;
    }
    entry.asking = true;
    requested.then(
      (requested) => {
        entry.asking = false;
        if (requested && this.watched.delete(entry))
          entry.cancel(new CancelledError('the run was cancelled by baton cancel'));
      },
      // A store that cannot be read now is asked again at the next tick; the run's own writes report faults.
      () => (entry.asking = false),
    );
  }
}

const tickers = new WeakMap<Store, Map<number, Ticker>>();

/** Starts watching; returns the function that stops. `cancel` is called once, on a cancel request. */
export function watchExecution(
  store: Store,
  executionId: string,
  cancel: (reason: CancelledError) => void,
  interval = HEARTBEAT_INTERVAL,
): () => void {
  let byInterval = tickers.get(store);
  if (!byInterval) tickers.set(store, (byInterval = new Map()));
  let ticker = byInterval.get(interval);
  if (!ticker) {
    const forStore = byInterval;
    const created = new Ticker(store, interval, () => {
      if (forStore.get(interval) === created) forStore.delete(interval);
    });
    byInterval.set(interval, (ticker = created));
  }
  const entry: Watched = { executionId, since: Date.now(), cancel, asking: false };
  ticker.watched.add(entry);
  const watched = ticker.watched;
  return () => void watched.delete(entry);
}
