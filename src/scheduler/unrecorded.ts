// A run with `provenance: false` reads the store (the call cache still serves it) and writes nothing:
// no execution, no jobs, no values, no cache entries. For throwaway fan-outs whose history would cost
// more than their work.
import { valueHash, type Store } from '../store/index.ts';

const nothing = () => undefined;

/** `store` for reading; every write is dropped (putValue still gives the hash it would have stored under). */
export function unrecorded(store: Store): Store {
  return {
    open: () => store.open(),
    close: () => store.close(),
    flush: () => store.flush(),
    pressure: nothing,
    putExecution: nothing,
    updateExecution: nothing,
    putJob: nothing,
    updateJob: nothing,
    putTask: nothing,
    putCache: nothing,
    deleteCache: nothing,
    putValue: (bytes) => valueHash(bytes),
    getCache: (evalHash) => store.getCache(evalHash),
    cacheMissKnown: (evalHash) => store.cacheMissKnown?.(evalHash) ?? false,
    getValue: (hash) => store.getValue(hash),
    hasValue: (hash) => store.hasValue(hash),
    listExecutions: (query) => store.listExecutions(query),
    getExecution: (idOrPrefix) => store.getExecution(idOrPrefix),
    listJobs: (executionId, query) => store.listJobs(executionId, query),
    getJob: (idOrPrefix) => store.getJob(idOrPrefix),
    getTask: (hash) => store.getTask(hash),
    describe: () => store.describe(),
    info: () => store.info(),
    cancelRequested: (executionId) => store.cancelRequested(executionId),
    listCache: (query) => store.listCache(query),
    removeCache: async () => 0,
    collectValues: (options) => store.collectValues({ ...options, dryRun: true }),
  };
}
