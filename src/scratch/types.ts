// Scratch space shared by the scheduler and remote jobs: a folder (local or a shared filesystem)
// or object storage, holding job inputs and outputs and code packages under keys of scratchLayout.

export interface Scratch {
  /** Where it is, as the user wrote it in baton.toml: a path, or a URI such as `s3://bucket/prefix`. */
  readonly uri: string;
  /**
   * Writes, reads back and removes a probe, so an unreachable scratch or refused credentials fail
   * before anything is submitted. Rejects with a ScratchError that names the URI and the reason.
   */
  check(): Promise<void>;
  /** Stores `bytes` under `key` whole or not at all: a reader never sees half a file. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The bytes under `key`, or undefined when there are none. */
  get(key: string): Promise<Uint8Array | undefined>;
  exists(key: string): Promise<boolean>;
  /** Every key that starts with `prefix` (a folder-like prefix ending in `/`), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes `key`; nothing happens when it is not there. */
  delete(key: string): Promise<void>;
  /** How a job on another machine reaches `key` (a path on the shared filesystem, or a URI). */
  locate(key: string): string;
  /** Releases connections (S3 clients); a folder scratch has nothing to release. */
  close?(): Promise<void>;
}
