// The call hashes of one call's children, kept as bytes: a fan-out of a million calls holds a million
// of them until its last child finishes, 32 bytes each here instead of an 80-byte string each.
import { callHash, callHashOf } from '../hash/index.ts';

const HASH_BYTES = 32;
/** Below this many children, one joined string is cheaper than a streamed hash. */
const STREAM_FROM = 1024;
/** Children sorted by a 32-bit prefix key and a 21-bit index packed into one exact double. */
const INDEX_BITS = 2 ** 21;

export class ChildCallHashes {
  private bytes = Buffer.allocUnsafe(HASH_BYTES * 16);
  private count = 0;
  /** Anything that is not a sha256 in hex (there should be none), kept as it came. */
  private readonly odd: string[] = [];

  push(hash: string): void {
    const at = this.count * HASH_BYTES;
    if (at + HASH_BYTES > this.bytes.length) {
      const grown = Buffer.allocUnsafe(this.bytes.length * 2);
      this.bytes.copy(grown, 0, 0, at);
      this.bytes = grown;
    }
    // Hex stops at the first character that is not; a hash we made is always 64 lowercase digits.
    if (hash.length === 2 * HASH_BYTES && this.bytes.write(hash, at, HASH_BYTES, 'hex') === HASH_BYTES)
      this.count++;
    else this.odd.push(hash);
  }

  get size(): number {
    return this.count + this.odd.length;
  }

  /**
   * The parent's call hash over its children in sorted order (they finish in any order, and the hash
   * must not depend on it), without turning a million children into strings all at once.
   */
  callHash(evalHash: string, valueHash: string): string {
    if (this.odd.length > 0 || this.count < STREAM_FROM || this.count >= INDEX_BITS) {
      return callHash(evalHash, valueHash, this.sortedStrings());
    }
    return callHashOf(evalHash, valueHash, this.count, this.hexInOrder(this.sortedIndexes()));
  }

  private hex(index: number): string {
    return this.bytes.toString('hex', index * HASH_BYTES, (index + 1) * HASH_BYTES);
  }

  private *hexInOrder(order: Uint32Array): Generator<string> {
    for (const index of order) yield this.hex(index);
  }

  /** Indexes in the byte order of their hashes (the order of their hex strings). */
  private sortedIndexes(): Uint32Array {
    const n = this.count;
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = this.bytes.readUInt32BE(i * HASH_BYTES) * INDEX_BITS + i;
    keys.sort();
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = keys[i]! % INDEX_BITS;
    // Equal 32-bit prefixes (a few in a million) are put in order by their whole hash.
    for (let start = 0; start < n;) {
      const prefix = Math.floor(keys[start]! / INDEX_BITS);
      let end = start + 1;
      while (end < n && Math.floor(keys[end]! / INDEX_BITS) === prefix) end++;
      if (end - start > 1) {
        const run = Array.from(order.subarray(start, end)).sort((a, b) =>
          // buf.compare(target, ...) orders the source range (a) against the target range (b).
          this.bytes.compare(
            this.bytes,
            b * HASH_BYTES,
            (b + 1) * HASH_BYTES,
            a * HASH_BYTES,
            (a + 1) * HASH_BYTES,
          ),
        );
        order.set(run, start);
      }
      start = end;
    }
    return order;
  }

  private sortedStrings(): string[] {
    const list = this.odd.slice();
    for (let i = 0; i < this.count; i++) list.push(this.hex(i));
    return list.sort();
  }
}
