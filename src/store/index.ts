// The provenance database and value store: public face of src/store.
export { openStore, backendStoreOptions, isPostgresUrl, DEFAULT_DB_URL } from './open-store.ts';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.ts';
export { SQLITE_MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from './migrations.ts';
export { newId, idTime } from './ids.ts';
export {
  executionLiveness,
  processState,
  shownStatus,
  HEARTBEAT_INTERVAL,
  STALE_AFTER,
  type Liveness,
  type ProcessState,
} from './liveness.ts';
export { valueHash, isValueHash } from './value-names.ts';
export {
  transfer,
  describe as describeStore,
  type TransferOptions,
  type TransferReport,
} from './transfer.ts';
export type {
  Store,
  StoreDescription,
  StoreInfo,
  StoreCounts,
  CallClaim,
  OpenStoreOptions,
  ExecutionRecord,
  ExecutionStatus,
  ExecutionCounts,
  ExecutionQuery,
  JobRecord,
  JobStatus,
  JobQuery,
  TaskRecord,
  CacheEntry,
  CacheFilter,
  CacheQuery,
  CacheListing,
  CacheListingEntry,
  CollectOptions,
  CollectReport,
} from './types.ts';
