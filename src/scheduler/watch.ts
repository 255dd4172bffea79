// While an execution runs, its scheduler writes a heartbeat (so `baton log` can tell it from one whose
// process died) and looks for a cancel request that `baton cancel` recorded, from this host or
// another that shares the store.
import { CancelledError } from '../errors.ts';
import { HEARTBEAT_INTERVAL, type Store } from '../store/index.ts';

/** Starts watching; returns the function that stops. `cancel` is called once, on a cancel request. */
export function watchExecution(
  store: Store,
  executionId: string,
  cancel: (reason: CancelledError) => void,
  interval = HEARTBEAT_INTERVAL,
): () => void {
  let stopped = false;
  let asking = false;
  const tick = () => {
    // A slow store must not pile up reads.
    if (asking) return;
    asking = true;
    let requested: Promise<boolean>;
    try {
      store.updateExecution(executionId, { heartbeatAt: Date.now() });
      requested = store.cancelRequested(executionId);
    } catch {
      // The store was closed under a run that did not end: nothing left to watch.
      return stop();
    }
    requested.then(
      (requested) => {
        asking = false;
        if (requested && !stopped) {
          stop();
          cancel(new CancelledError('the run was cancelled by baton cancel'));
        }
      },
      // A store that cannot be read now is asked again at the next tick; the run's own writes report faults.
      () => (asking = false),
    );
  };
  const timer = setInterval(tick, interval);
  // The watch must not keep a finished process alive.
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}
