// One computation per call across schedulers that share a PostgreSQL store. A scheduler about to
// compute a call inserts a lease row for its eval hash; whoever inserted first computes, the others
// wait. The owner's lease ends in the transaction that writes the call's cache entry, which also
// notifies the waiters. Each scheduler's presence session holds an advisory lock for as long as it
// lives: a lease whose owner's lock is free belongs to a dead scheduler and passes to the next claimant.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import { CancelledError, StoreError } from '../../errors.ts';
import type { CallClaim } from '../types.ts';
import { arrayLiteral } from './arrays.ts';
import { createClient } from './connect.ts';
import { storeFailure } from './errors.ts';
import type { PostgresTarget } from './url.ts';
import { RELEASE_CHANNEL } from './writer.ts';

// Takes free leases and those of dead owners (whose presence lock can be taken); a live owner's stay.
const CLAIM = `
INSERT INTO call_leases AS l (eval_hash, owner, owner_key, host, pid, acquired_at)
SELECT h, $2, $3, $4, $5, $6 FROM unnest($1::text[]) AS h ORDER BY h
ON CONFLICT (eval_hash) DO UPDATE SET owner = excluded.owner, owner_key = excluded.owner_key,
  host = excluded.host, pid = excluded.pid, acquired_at = excluded.acquired_at
WHERE pg_try_advisory_xact_lock(l.owner_key)
RETURNING eval_hash`;

// A lease taken just as its previous owner committed the call's cache entry: given back at once.
const GIVE_BACK_SETTLED = `
DELETE FROM call_leases AS l USING cache_entries AS c
WHERE l.eval_hash = ANY($1::text[]) AND l.owner = $2 AND c.eval_hash = l.eval_hash
RETURNING l.eval_hash`;

interface Waiter {
  evalHash: string;
  resolve(claim: CallClaim): void;
  reject(error: unknown): void;
  signal: AbortSignal;
  onAbort: () => void;
}

export interface LeaseOptions {
  target: PostgresTarget;
  pool: pg.Pool;
  /** This store's id, written as the owner of its leases. */
  owner: string;
  /** How often waiters look for leases whose owner died, in ms. @default 1000 */
  pollInterval?: number | undefined;
}

function randomKey(): string {
  return randomBytes(8).readBigInt64BE(0).toString();
}

export class CallLeases {
  private readonly options: LeaseOptions;
  private presence: Promise<pg.Client> | undefined;
  private ownerKey: string | undefined;
  private asked: Waiter[] = [];
  /** Waiters by eval hash, for calls another live scheduler holds. */
  private readonly waiting = new Map<string, Waiter[]>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: LeaseOptions) {
    this.options = options;
  }

  claim(evalHash: string, signal: AbortSignal): Promise<CallClaim> {
    if (this.closed) return Promise.reject(this.closedError());
    if (signal.aborted) return Promise.reject(new CancelledError('the run was cancelled'));
    return new Promise<CallClaim>((resolve, reject) => {
      const waiter: Waiter = { evalHash, resolve, reject, signal, onAbort: () => this.abandon(waiter) };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      // A fan-out claims thousands of calls in one turn: they are claimed together.
      if (this.asked.length === 0) queueMicrotask(() => void this.claimAsked());
      this.asked.push(waiter);
    });
  }

  private async claimAsked(): Promise<void> {
    const asked = this.asked;
    this.asked = [];
    await this.settle(asked, true);
  }

  /** Tries to take the leases of `waiters`; those held by a live scheduler wait if `enqueue`. */
  private async settle(waiters: Waiter[], enqueue: boolean): Promise<void> {
    const live = waiters.filter((w) => !w.signal.aborted);
    if (live.length === 0) return;
    let result: { owned: Set<string>; settled: Set<string> };
    try {
      result = await this.tryClaim([...new Set(live.map((w) => w.evalHash))]);
    } catch (error) {
      for (const waiter of live) this.finish(waiter, () => waiter.reject(error));
      return;
    }
    for (const waiter of live) {
      const hash = waiter.evalHash;
      if (result.owned.has(hash)) {
        result.owned.delete(hash);
        this.finish(waiter, () => waiter.resolve('owned'));
      } else if (result.settled.has(hash)) {
        this.finish(waiter, () => waiter.resolve('settled'));
      } else if (enqueue) {
        const list = this.waiting.get(hash) ?? [];
        list.push(waiter);
        this.waiting.set(hash, list);
      }
    }
    this.schedulePoll();
  }

  private async tryClaim(hashes: string[]): Promise<{ owned: Set<string>; settled: Set<string> }> {
    const { pool, owner, target } = this.options;
    const key = await this.ownKey();
    try {
      const taken = await pool.query<{ eval_hash: string }>(CLAIM, [
        arrayLiteral(hashes),
        owner,
        key,
        hostname(),
        process.pid,
        Date.now(),
      ]);
      const owned = new Set(taken.rows.map((row) => row.eval_hash));
      if (owned.size === 0) return { owned, settled: new Set() };
      const given = await pool.query<{ eval_hash: string }>(GIVE_BACK_SETTLED, [
        arrayLiteral([...owned]),
        owner,
      ]);
      const settled = new Set(given.rows.map((row) => row.eval_hash));
      for (const hash of settled) owned.delete(hash);
      return { owned, settled };
    } catch (error) {
      throw storeFailure(target, 'claiming calls in', error);
    }
  }

  /** The key of this scheduler's presence lock, connecting the presence session first if needed. */
  private async ownKey(): Promise<string> {
    this.presence ??= this.connectPresence().catch((error: unknown) => {
      this.presence = undefined;
      throw error;
    });
    await this.presence;
    return this.ownerKey!;
  }

  private async connectPresence(): Promise<pg.Client> {
    const { target, pool, owner } = this.options;
    const client = createClient(target);
    const lost = () => {
      if (this.presence) this.presence = undefined;
      client.end().catch(() => undefined);
    };
    client.on('error', lost);
    client.on('notification', (notice) => this.onNotice(notice.channel, notice.payload));
    try {
      await client.connect();
      const key = randomKey();
      await client.query('SELECT pg_advisory_lock($1)', [key]);
      await client.query(`LISTEN ${RELEASE_CHANNEL}`);
      // After a lost session, this scheduler's leases move to its new lock, so nobody takes them over.
      if (this.ownerKey !== undefined) {
        await pool.query('UPDATE call_leases SET owner_key = $1 WHERE owner = $2', [key, owner]);
      }
      this.ownerKey = key;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw storeFailure(target, 'opening the lease session of', error);
    }
    // The session must not keep a finished process alive; close() ends it properly.
    (client as unknown as { connection?: { stream?: { unref?(): void } } }).connection?.stream?.unref?.();
    return client;
  }

  private onNotice(channel: string, payload: string | undefined): void {
    if (channel !== RELEASE_CHANNEL || !payload) return;
    for (const hash of payload.split(',')) {
      const waiters = this.waiting.get(hash);
      if (!waiters) continue;
      this.waiting.delete(hash);
      for (const waiter of waiters) this.finish(waiter, () => waiter.resolve('settled'));
    }
  }

  private schedulePoll(): void {
    if (this.timer || this.waiting.size === 0 || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, this.options.pollInterval ?? 1000);
  }

  // Notices cover leases that end; polling covers owners that died without ending theirs.
  private async poll(): Promise<void> {
    const waiters = [...this.waiting.values()].flat();
    this.waiting.clear();
    await this.settle(waiters, true);
  }

  private finish(waiter: Waiter, settle: () => void): void {
    waiter.signal.removeEventListener('abort', waiter.onAbort);
    settle();
  }

  private abandon(waiter: Waiter): void {
    const list = this.waiting.get(waiter.evalHash);
    if (list) {
      const rest = list.filter((w) => w !== waiter);
      if (rest.length > 0) this.waiting.set(waiter.evalHash, rest);
      else this.waiting.delete(waiter.evalHash);
    }
    waiter.reject(new CancelledError('the run was cancelled'));
  }

  private closedError(): StoreError {
    return new StoreError(`the store for database ${this.options.target.display} is closed`, {
      hint: 'do not use the store after close()',
    });
  }

  /** Ends the presence session (its lock with it); waiters are told the store closed. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const waiters = [...this.waiting.values()].flat();
    this.waiting.clear();
    for (const waiter of waiters) this.finish(waiter, () => waiter.reject(this.closedError()));
    const presence = this.presence;
    this.presence = undefined;
    const client = await presence?.catch(() => undefined);
    await client?.end().catch(() => undefined);
  }
}
