// Call leases between stores that share one PostgreSQL schema: one owner per call, waiters woken by
// the owner's commit, and a dead owner's lease passing on.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test, type TestContext } from 'node:test';
import { CancelledError } from '../../../src/errors.ts';
import { PostgresStore } from '../../../src/store/postgres/index.ts';
import { cacheEntry, sha } from '../../store/fixtures.ts';
import { freshSchema, needsPostgres, sql } from './helpers.ts';

async function storeOn(t: TestContext, url: string, leasePollInterval = 60_000): Promise<PostgresStore> {
  const store = new PostgresStore({ url, leasePollInterval });
  await store.open();
  t.after(() => store.close());
  return store;
}

/** Whether the promise is still pending after `ms`. */
async function pendingAfter(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const marker = Symbol('pending');
  const winner = await Promise.race([promise, new Promise((resolve) => setTimeout(resolve, ms, marker))]);
  return winner === marker;
}

describe('call leases', needsPostgres, () => {
  test('the first claimant owns a call; another waits and is woken by the commit of its cache entry', async (t) => {
    const { url } = freshSchema(t);
    const [a, b] = [await storeOn(t, url), await storeOn(t, url)];
    const never = new AbortController().signal;
    assert.equal(await a.claimCall(sha('e'), never), 'owned');
    const waiting = b.claimCall(sha('e'), never);
    assert.equal(await pendingAfter(waiting, 300), true);
    const valueHash = a.putValue(new TextEncoder().encode('42'));
    a.putCache(cacheEntry({ evalHash: sha('e'), valueHash }));
    a.releaseCall(sha('e'));
    const started = Date.now();
    // B polls only once a minute here: what wakes it is A's notification.
    assert.equal(await waiting, 'settled');
    assert.ok(Date.now() - started < 5_000);
    assert.equal((await b.getCache(sha('e')))?.valueHash, valueHash);
    assert.equal((await b.info()).counts.leases, 0);
  });

  test('a call its owner gave up (failed) passes to a waiter, who then owns it', async (t) => {
    const { url } = freshSchema(t);
    const [a, b] = [await storeOn(t, url), await storeOn(t, url)];
    const never = new AbortController().signal;
    assert.equal(await a.claimCall(sha('f'), never), 'owned');
    const waiting = b.claimCall(sha('f'), never);
    assert.equal(await pendingAfter(waiting, 500), true);
    a.releaseCall(sha('f'));
    // Woken without a cache entry, the waiter claims again and now owns the call.
    const woken = await waiting;
    assert.equal(woken === 'owned' ? woken : await b.claimCall(sha('f'), never), 'owned');
  });

  test('a claim for a call already in the cache is settled at once', async (t) => {
    const { url } = freshSchema(t);
    const [a, b] = [await storeOn(t, url), await storeOn(t, url)];
    a.putCache(cacheEntry({ evalHash: sha('1') }));
    await a.flush();
    assert.equal(await b.claimCall(sha('1'), new AbortController().signal), 'settled');
    assert.equal((await b.info()).counts.leases, 0);
  });

  test('the lease of a scheduler killed with SIGKILL passes to a waiter within its poll interval', async (t) => {
    const { url } = freshSchema(t);
    const storeIndex = new URL('../../../src/store/postgres/index.ts', import.meta.url).href;
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { PostgresStore } from ${JSON.stringify(storeIndex)};
         const store = new PostgresStore({ url: ${JSON.stringify(url)} });
         await store.open();
         console.log(await store.claimCall(${JSON.stringify(sha('k'))}, new AbortController().signal));
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    t.after(() => child.kill('SIGKILL'));
    const claimed = await new Promise<string>((resolve) =>
      child.stdout.once('data', (data: Buffer) => resolve(String(data))),
    );
    assert.equal(claimed.trim(), 'owned');
    const b = await storeOn(t, url, 200);
    const waiting = b.claimCall(sha('k'), new AbortController().signal);
    assert.equal(await pendingAfter(waiting, 600), true);
    child.kill('SIGKILL');
    await exited;
    assert.equal(await waiting, 'owned');
    const [lease] = await sql<{ owner: string }>(
      `SELECT owner FROM ${new URL(url).searchParams.get('schema')}.call_leases WHERE eval_hash = $1`,
      [sha('k')],
    );
    assert.equal(lease?.owner, b.owner);
  });

  test('a waiter whose run is cancelled stops waiting with a CancelledError', async (t) => {
    const { url } = freshSchema(t);
    const [a, b] = [await storeOn(t, url), await storeOn(t, url)];
    assert.equal(await a.claimCall(sha('c'), new AbortController().signal), 'owned');
    const controller = new AbortController();
    const waiting = b.claimCall(sha('c'), controller.signal);
    controller.abort();
    await assert.rejects(waiting, (error: Error) => error instanceof CancelledError);
  });
});
