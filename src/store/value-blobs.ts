// Where values too large for the database live: a folder (ValueFiles) or any Scratch, such as an
// S3 bucket a team shares (ScratchValues). Writes start at once and end in the background.

/** What happens when a started write ends. */
export interface ValueBlobListener {
  written(hash: string, size: number): void;
  failed(hash: string, error: unknown): void;
}

export interface ValueBlobs {
  /** The folder path or URI, as given, for messages and `baton db info`. */
  readonly location: string;
  /** Where one value lives, for messages. */
  pathOf(valueHash: string): string;
  /** Starts writing; the listener hears how it ended. A value already being written is not written twice. */
  write(valueHash: string, bytes: Uint8Array): void;
  /** The bytes of a value whose write has not ended yet. */
  pending(valueHash: string): Uint8Array | undefined;
  isWriting(valueHash: string): boolean;
  /** How many writes have not ended yet. */
  readonly writing: number;
  /** Resolves when every write started so far has ended (successfully or not). */
  settled(): Promise<void>;
  /** Whether the value is there (written, not merely started). */
  exists(valueHash: string): Promise<boolean>;
  /** The bytes, or undefined when there are none; rejects when the place cannot be read. */
  read(valueHash: string): Promise<Uint8Array | undefined>;
  remove(valueHash: string): Promise<void>;
  /** Releases connections (S3 clients). */
  close?(): Promise<void>;
}
