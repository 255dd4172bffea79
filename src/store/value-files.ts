// Values too large for the database: one file per value at `<dir>/<first two hex digits>/<hash>`.
import { mkdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ValueBlobListener, ValueBlobs } from './value-blobs.ts';

/** What happens when a started write ends. */
export type ValueFileListener = ValueBlobListener;

let tempCounter = 0;

export class ValueFiles implements ValueBlobs {
  readonly dir: string;
  private readonly listener: ValueFileListener;
  private readonly inFlight = new Map<string, { bytes: Uint8Array; done: Promise<void> }>();

  constructor(dir: string, listener: ValueFileListener) {
    this.dir = dir;
    this.listener = listener;
  }

  get location(): string {
    return this.dir;
  }

  pathOf(valueHash: string): string {
    return join(this.dir, valueHash.slice(0, 2), valueHash);
  }

  /** Starts writing; the listener hears how it ended. A value already being written is not written twice. */
  write(valueHash: string, bytes: Uint8Array): void {
    if (this.inFlight.has(valueHash)) return;
    const done = this.writeAtomically(valueHash, bytes).then(
      () => {
        this.inFlight.delete(valueHash);
        this.listener.written(valueHash, bytes.byteLength);
      },
      (error: unknown) => {
        this.inFlight.delete(valueHash);
        this.listener.failed(valueHash, error);
      },
    );
    this.inFlight.set(valueHash, { bytes, done });
  }

  // Temp file then rename: readers see the whole file or none, even if the process dies mid-write.
  private async writeAtomically(valueHash: string, bytes: Uint8Array): Promise<void> {
    const sub = join(this.dir, valueHash.slice(0, 2));
    // Every time: a cleanup may have removed the folder since the last write.
    await mkdir(sub, { recursive: true });
    const target = join(sub, valueHash);
    const temp = `${target}.${process.pid}.${++tempCounter}.tmp`;
    try {
      await writeFile(temp, bytes);
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  /** The bytes of a value whose file is still being written. */
  pending(valueHash: string): Uint8Array | undefined {
    return this.inFlight.get(valueHash)?.bytes;
  }

  isWriting(valueHash: string): boolean {
    return this.inFlight.has(valueHash);
  }

  get writing(): number {
    return this.inFlight.size;
  }

  /** Hashes of the values being written right now. */
  writingHashes(): Set<string> {
    return new Set(this.inFlight.keys());
  }

  /** Resolves when every write started so far has ended (successfully or not). */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight.values()].map((w) => w.done));
  }

  async exists(valueHash: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(valueHash))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** The file's bytes, or undefined when there is no file. */
  async read(valueHash: string): Promise<Uint8Array | undefined> {
    try {
      const file = await readFile(this.pathOf(valueHash));
      // A plain Uint8Array view, so callers get the same type whether the value was inline or a file.
      return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async remove(valueHash: string): Promise<void> {
    await rm(this.pathOf(valueHash), { force: true });
  }
}
