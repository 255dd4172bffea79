// Reads that a fan-out makes by the thousand in one turn (cache entries, values), gathered and sent
// as one query per turn; and the paging checks of the list reads.
import { StoreError } from '../../errors.ts';

interface Lookup<V> {
  key: string;
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/** At most this many keys per query; more are split. */
const MAX_KEYS = 10_000;

export class LookupBatch<V> {
  private readonly query: (keys: string[]) => Promise<Map<string, V>>;
  private readonly failure: (error: unknown) => Error;
  private pending: Lookup<V>[] = [];

  constructor(query: (keys: string[]) => Promise<Map<string, V>>, failure: (error: unknown) => Error) {
    this.query = query;
    this.failure = failure;
  }

  get(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) queueMicrotask(() => this.send());
      this.pending.push({ key, resolve, reject });
    });
  }

  private send(): void {
    const lookups = this.pending;
    this.pending = [];
    for (let start = 0; start < lookups.length; start += MAX_KEYS) {
      const part = lookups.slice(start, start + MAX_KEYS);
      this.query([...new Set(part.map((lookup) => lookup.key))]).then(
        (found) => {
          for (const lookup of part) lookup.resolve(found.get(lookup.key));
        },
        (error: unknown) => {
          const failure = this.failure(error);
          for (const lookup of part) lookup.reject(failure);
        },
      );
    }
  }
}

export function checkPaging(
  method: string,
  name: string,
  value: number | undefined,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreError(`${method}: ${name} must be a whole number >= 0, got ${String(value)}`);
  }
  return value;
}
