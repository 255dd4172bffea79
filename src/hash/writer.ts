// A byte sink for the canonical encoding: a reusable buffer that is hashed in one shot when the value is
// small and streamed into an incremental sha256 when it is not.
import { createHash, hash as hashOnce, type Hash } from 'node:crypto';

/** Buffer size of a hashing writer; beyond it bytes stream into an incremental hash instead. */
const FLUSH_AT = 64 * 1024;
const CACHED_VIEWS = 256;

/**
 * Writes canonical bytes into a reusable buffer. A hashing writer feeds a sha256 at the end (one shot
 * for small values); a detached writer collects the bytes of one Map entry or Set item for sorting.
 */
export class CanonicalWriter {
  buf: Buffer;
  view: DataView;
  pos = 0;
  private hasher: Hash | null = null;
  private readonly detached: boolean;
  /** The containers above the current one, shared with detached writers, to find cycles. */
  ancestors: unknown[];
  private views: Buffer[] = [];

  constructor(detached: boolean, ancestors: unknown[]) {
    this.detached = detached;
    this.ancestors = ancestors;
    this.buf = Buffer.allocUnsafeSlow(detached ? 256 : FLUSH_AT);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  reset(): void {
    this.pos = 0;
    this.hasher = null;
    // Drop references to the last value so it can be collected.
    const ancestors = this.ancestors;
    if (ancestors.length > 64) ancestors.length = 0;
    else for (let i = 0; i < ancestors.length && ancestors[i] !== undefined; i++) ancestors[i] = undefined;
  }

  reserve(n: number): void {
    if (this.pos + n > this.buf.length) this.makeRoom(n);
  }

  private makeRoom(n: number): void {
    if (!this.detached) {
      this.flush();
      if (n <= this.buf.length) return;
    }
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    this.views = [];
  }

  private flush(): void {
    this.hasher ??= createHash('sha256');
    this.hasher.update(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.pos++] = b;
  }

  uint32(n: number): void {
    this.reserve(4);
    this.view.setUint32(this.pos, n);
    this.pos += 4;
  }

  /** A tag followed by a big-endian uint32 (a length or a count). */
  head(tag: number, n: number): void {
    this.reserve(5);
    this.buf[this.pos] = tag;
    this.view.setUint32(this.pos + 1, n);
    this.pos += 5;
  }

  /** A tag followed by a big-endian float64, with every NaN written the same way. */
  float(tag: number, n: number): void {
    this.reserve(9);
    this.buf[this.pos] = tag;
    this.view.setFloat64(this.pos + 1, n === n ? n : NaN);
    this.pos += 9;
  }

  bytes(data: Uint8Array): void {
    if (!this.detached && data.length >= FLUSH_AT) {
      this.flush();
      this.hasher!.update(data);
      return;
    }
    this.reserve(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** The sha256 (hex) of everything written. */
  digest(): string {
    if (this.hasher !== null) {
      this.flush();
      return this.hasher.digest('hex');
    }
    const n = this.pos;
    // Cached views of the buffer's head keep small hashes free of allocation.
    const data = n <= CACHED_VIEWS ? (this.views[n] ??= this.buf.subarray(0, n)) : this.buf.subarray(0, n);
    return hashOnce('sha256', data, 'hex');
  }
}
