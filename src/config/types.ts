import type { ExecutorConfig } from '../executors/index.ts';

/** Where Baton keeps its records and stored values. */
export interface BackendConfig {
  /** `sqlite:<absolute path>` or a `postgres://` URL. @default `sqlite:<root>/.baton/baton.db` */
  db: string;
  /**
   * Absolute directory of the value store; undefined for an in-memory database without `values_dir`,
   * whose large values go to a temporary folder removed when the store closes, and for PostgreSQL
   * without `values`, whose values all stay in the database.
   * @default `<root>/.baton/values`
   */
  valuesDir: string | undefined;
  /** The value store when it is not a folder: `s3://bucket/prefix` (`values` in baton.toml). */
  values?: string | undefined;
  /** For an `s3://` value store: an S3-compatible server and its addressing. */
  s3?: { endpoint: string | undefined; forcePathStyle: boolean | undefined } | undefined;
}

/** baton.toml after interpolation, validation and defaults. */
export interface BatonConfig {
  /** Absolute path of the file; undefined when the embedded defaults apply. */
  file: string | undefined;
  /** Directory of the file, or the working directory; relative paths in the file resolve against it. */
  root: string;
  backend: BackendConfig;
  /** Executors by name; always has `default`. */
  executors: Record<string, ExecutorConfig>;
}
