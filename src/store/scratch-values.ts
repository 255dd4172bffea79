// Large values in a Scratch (an S3 bucket or a shared folder) under `<first two hex digits>/<hash>`,
// the layout of a local values folder, so a team's value store can be read by anyone who has the URI.
import type { Scratch } from '../scratch/index.ts';
import type { ValueBlobListener, ValueBlobs } from './value-blobs.ts';

export class ScratchValues implements ValueBlobs {
  readonly location: string;
  private readonly scratch: Scratch;
  private readonly listener: ValueBlobListener;
  private readonly inFlight = new Map<string, { bytes: Uint8Array; done: Promise<void> }>();

  constructor(scratch: Scratch, listener: ValueBlobListener) {
    this.scratch = scratch;
    this.location = scratch.uri;
    this.listener = listener;
  }

  private key(valueHash: string): string {
    return `${valueHash.slice(0, 2)}/${valueHash}`;
  }

  pathOf(valueHash: string): string {
    return this.scratch.locate(this.key(valueHash));
  }

  write(valueHash: string, bytes: Uint8Array): void {
    if (this.inFlight.has(valueHash)) return;
    // Content-addressed: an object that is already there holds these very bytes.
    const done = this.scratch
      .exists(this.key(valueHash))
      .then((exists) => (exists ? undefined : this.scratch.put(this.key(valueHash), bytes)))
      .then(
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

  pending(valueHash: string): Uint8Array | undefined {
    return this.inFlight.get(valueHash)?.bytes;
  }

  isWriting(valueHash: string): boolean {
    return this.inFlight.has(valueHash);
  }

  get writing(): number {
    return this.inFlight.size;
  }

  async settled(): Promise<void> {
    await Promise.all([...this.inFlight.values()].map((w) => w.done));
  }

  exists(valueHash: string): Promise<boolean> {
    return this.scratch.exists(this.key(valueHash));
  }

  read(valueHash: string): Promise<Uint8Array | undefined> {
    return this.scratch.get(this.key(valueHash));
  }

  remove(valueHash: string): Promise<void> {
    return this.scratch.delete(this.key(valueHash));
  }

  async close(): Promise<void> {
    await this.scratch.close?.();
  }
}
