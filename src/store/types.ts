// Public types of the store: records, queries and the Store interface every backend implements.
import type { SerializedError } from '../executors/index.ts';
import type { S3ScratchOptions } from '../scratch/index.ts';

export type ExecutionStatus = 'running' | 'done' | 'failed' | 'cancelled';

export type JobStatus = 'queued' | 'running' | 'done' | 'cached' | 'failed' | 'cancelled';

/** Job counts of one execution, computed when the execution is read. */
export interface ExecutionCounts {
  /** Every job recorded for the execution, cache hits included. */
  jobs: number;
  cached: number;
  failed: number;
  queued: number;
  running: number;
  /** Computed by the job (cache hits are `cached`). */
  done: number;
  cancelled: number;
  /** The latest time any job was queued, started or ended (ms since the epoch): with the counts, tells a watcher that something changed. */
  changedAt: number | undefined;
}

/** One `baton run` (or one `run(expr)` from code). */
export interface ExecutionRecord {
  /** Time-ordered unique id, see `newId()`. */
  id: string;
  /** The task the run evaluated. */
  taskName: string;
  /** A short human-readable rendering of the arguments, for listings. */
  argsPreview: string;
  status: ExecutionStatus;
  /** Milliseconds since the epoch. */
  startedAt: number;
  endedAt?: number | undefined;
  /** The working directory the run started in. */
  cwd: string;
  /** The command line, as `process.argv`. */
  argv: string[];
  host: string;
  pid: number;
  /** Value hash of the final result. */
  resultHash?: string | undefined;
  error?: SerializedError | undefined;
  /** The last sign of life of the scheduler running it (ms since the epoch), written while it runs. */
  heartbeatAt?: number | undefined;
  /** When `baton cancel` asked the run to stop; its scheduler looks for this while it runs. */
  cancelRequestedAt?: number | undefined;
  /** Filled in by reads; ignored by writes. */
  counts?: ExecutionCounts | undefined;
}

/** One call of one task within an execution (one attempt chain; `attempt` counts the tries). */
export interface JobRecord {
  id: string;
  executionId: string;
  /** The job whose task returned the expression that made this call: the edges of the call tree. */
  parentId?: string | undefined;
  taskName: string;
  taskHash: string;
  /** Task hash + args hash: the cache key. */
  evalHash: string;
  /** Merkle hash over the result and the child calls, once known. */
  callHash?: string | undefined;
  /** Name of the executor (from baton.toml) that ran or would run the job. */
  executor: string;
  status: JobStatus;
  /** 1 for the first attempt. */
  attempt: number;
  queuedAt: number;
  startedAt?: number | undefined;
  endedAt?: number | undefined;
  /** For a cache hit: the job that computed the value. */
  cachedFromJobId?: string | undefined;
  cachedFromExecutionId?: string | undefined;
  /** Value hash of the encoded arguments. */
  argsHash?: string | undefined;
  resultHash?: string | undefined;
  error?: SerializedError | undefined;
  /** A short single-line rendering of the arguments, for `baton log --job` and the dashboard. */
  argsPreview?: string | undefined;
}

/** A task's code as it was hashed; inserted once per task hash. */
export interface TaskRecord {
  hash: string;
  name: string;
  /** The source text (or `version`) that went into the hash. */
  source: string;
  moduleUrl: string;
}

/** The call cache: eval hash → the value it produced. */
export interface CacheEntry {
  evalHash: string;
  valueHash: string;
  callHash: string;
  jobId: string;
  executionId: string;
  createdAt: number;
}

export interface ExecutionQuery {
  /** @default 100 */
  limit?: number | undefined;
  /** @default 0 */
  offset?: number | undefined;
  status?: string | undefined;
  taskName?: string | undefined;
  /** Only executions started at or after this time (ms since the epoch). */
  since?: number | undefined;
}

/** Which cache entries: every condition given must hold. */
export interface CacheFilter {
  /** Entries whose eval hash starts with this. */
  evalHashPrefix?: string | undefined;
  /** Entries of calls of this task (by the name of the job that computed them). */
  taskName?: string | undefined;
  /** Entries created before this time (ms since the epoch). */
  createdBefore?: number | undefined;
}

export interface CacheQuery extends CacheFilter {
  /** @default 100 */
  limit?: number | undefined;
  /** @default 0 */
  offset?: number | undefined;
}

/** One cache entry as `baton cache ls` shows it. */
export interface CacheListingEntry extends CacheEntry {
  /** The task of the job that computed the value; undefined when that job is not recorded. */
  taskName?: string | undefined;
  /** The size of the value in bytes; undefined when the value is not recorded. */
  size?: number | undefined;
}

/** A page of cache entries, newest first, and the totals of every entry the filter matches. */
export interface CacheListing {
  entries: CacheListingEntry[];
  /** Entries the filter matches. */
  count: number;
  /** Bytes of the distinct values those entries point at. */
  bytes: number;
}

export interface CollectOptions {
  /**
   * Only values created before this time are removed (ms since the epoch): a run in progress writes
   * its values before the cache entries that will point at them.
   */
  createdBefore: number;
  /** The results of executions that ended before this time are not kept. @default every execution's result is kept */
  resultsEndedSince?: number | undefined;
  /** Count what would be removed, remove nothing. @default false */
  dryRun?: boolean | undefined;
}

/** What a garbage collection of values removed (or, in a dry run, would remove). */
export interface CollectReport {
  values: number;
  bytes: number;
}

export interface JobQuery {
  /** @default every job */
  limit?: number | undefined;
  /** @default 0 */
  offset?: number | undefined;
}

export type StoreDescription =
  | {
      kind: 'sqlite';
      /** Absolute path of the database file, or `:memory:`. */
      path: string;
    }
  | {
      kind: 'postgres';
      /** The database URL without its password (and without `schema`). */
      url: string;
      /** The PostgreSQL schema that holds Baton's tables. */
      schema: string;
    };

/** Rows per table, for `baton db info`. */
export interface StoreCounts {
  executions: number;
  jobs: number;
  tasks: number;
  cacheEntries: number;
  values: number;
  /** Values whose bytes are inside the database, and their total size. */
  inlineValues: number;
  inlineBytes: number;
  /** Calls that a scheduler is computing right now (shared stores). */
  leases: number;
}

/** What `baton db info` shows: where the store is, its schema version, counts and where values live. */
export interface StoreInfo {
  description: StoreDescription;
  schemaVersion: number;
  /** The newest schema version this Baton knows. */
  latestVersion: number;
  counts: StoreCounts;
  /** Values up to this many bytes are kept inside the database. */
  inlineLimit: number;
  /** Folder path or URI of the larger values; undefined when every value is inside the database. */
  valuesLocation: string | undefined;
}

/**
 * What waiting for a call in a shared store came to: `owned` when this scheduler now holds the
 * call's lease and must compute it (and then `releaseCall`), `settled` when another scheduler
 * finished or gave up the call, so the cache is worth another look.
 */
export type CallClaim = 'owned' | 'settled';

/**
 * The provenance database and value store. Writes are queued in memory and flushed in batches;
 * every read sees the writes made before it.
 */
export interface Store {
  /** Creates folders, opens the database and applies missing migrations. */
  open(): Promise<void>;
  /** Flushes pending writes and closes the database. */
  close(): Promise<void>;
  /** Writes every queued write; rejects with a StoreError if a batch could not be written. */
  flush(): Promise<void>;
  /**
   * While queued writes outrun the database (a batch is being committed and many more records wait
   * behind it), a promise that settles when the batch is done; otherwise undefined. Whoever is about
   * to add records in bulk waits on it, so the queue, and memory, stay bounded.
   */
  pressure(): Promise<void> | undefined;
  putExecution(rec: ExecutionRecord): void;
  updateExecution(id: string, patch: Partial<ExecutionRecord>): void;
  putJob(rec: JobRecord): void;
  updateJob(id: string, patch: Partial<JobRecord>): void;
  /** Inserts the task if its hash is not recorded yet. */
  putTask(rec: TaskRecord): void;
  putCache(entry: CacheEntry): void;
  /** Sees queued, unflushed writes. */
  getCache(evalHash: string): Promise<CacheEntry | undefined>;
  /**
   * True when the store knows, without a read, that `getCache(evalHash)` would find nothing (a store
   * that holds only its own entries, none of them this one). False means "ask `getCache`".
   */
  cacheMissKnown?(evalHash: string): boolean;
  deleteCache(evalHash: string): void;
  /**
   * Stores bytes under their name and returns it: the sha256 in hex, or for at most 32 bytes the bytes
   * themselves (`=` and hex), which are stored nowhere. The bytes must not change afterwards.
   */
  putValue(bytes: Uint8Array): string;
  /** Whether the store holds the value (without reading or checking its bytes). */
  hasValue(hash: string): Promise<boolean>;
  /** The bytes, checked against the hash; undefined (and the entry forgotten) if missing or corrupt. */
  getValue(hash: string): Promise<Uint8Array | undefined>;
  /** Newest first. */
  listExecutions(q?: ExecutionQuery): Promise<ExecutionRecord[]>;
  /** By id or unique id prefix; an ambiguous prefix is a StoreError. */
  getExecution(idOrPrefix: string): Promise<ExecutionRecord | undefined>;
  /** In the order they were queued (ids are time-ordered). */
  listJobs(executionId: string, q?: JobQuery): Promise<JobRecord[]>;
  /** By id or unique id prefix; an ambiguous prefix is a StoreError. */
  getJob(idOrPrefix: string): Promise<JobRecord | undefined>;
  getTask(hash: string): Promise<TaskRecord | undefined>;
  describe(): StoreDescription;
  /** Schema version, row counts and where values live. */
  info(): Promise<StoreInfo>;
  /**
   * Stores that several schedulers share: waits until this scheduler may compute the call (it then
   * holds a lease on the eval hash until `releaseCall`) or another scheduler has settled it. A
   * lease whose scheduler died passes on. Rejects with a CancelledError when `signal` aborts.
   */
  claimCall?(evalHash: string, signal: AbortSignal): Promise<CallClaim>;
  /** Ends this scheduler's lease on a call, once what it wrote for the call (cache entry included) is committed. */
  releaseCall?(evalHash: string): void;
  /** Whether `baton cancel` asked this execution to stop (its `cancelRequestedAt` is set). */
  cancelRequested(executionId: string): Promise<boolean>;
  /** Cache entries with their task and value size, newest first, and the totals of the filter. */
  listCache(q?: CacheQuery): Promise<CacheListing>;
  /** Removes the cache entries the filter matches (their calls run again next time); resolves with how many. */
  removeCache(filter: CacheFilter): Promise<number>;
  /**
   * Removes values that no cache entry and no kept execution result points at, from the database and
   * the value store; see CollectOptions for what is kept.
   */
  collectValues(options: CollectOptions): Promise<CollectReport>;
}

export interface OpenStoreOptions {
  /** Directory that relative database paths and the default values folder resolve against. @default process.cwd() */
  cwd?: string | undefined;
  /** Where values above `inlineLimit` are kept as files. @default `values/` beside the database file (`.baton/values`) */
  valuesDir?: string | undefined;
  /** Values up to this many bytes are kept inside the database. @default 65536; for PostgreSQL without `values`, every value */
  inlineLimit?: number | undefined;
  /**
   * The value store for values above `inlineLimit`: a folder (relative to `cwd`) or `s3://bucket/prefix`;
   * wins over `valuesDir`. @default `valuesDir`; for PostgreSQL, none (values stay in the database)
   */
  values?: string | undefined;
  /** For an `s3://` value store: endpoint, path-style addressing, region, credentials. */
  s3?: S3ScratchOptions | undefined;
  /**
   * Bring a PostgreSQL database with an older schema up to date (`baton db upgrade`). Without it, an
   * empty database gets the schema and an older one is refused: upgrading a shared store is a
   * decision for its team. SQLite databases are always upgraded. @default false
   */
  upgrade?: boolean | undefined;
}
