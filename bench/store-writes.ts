// Store write throughput: N jobs × (put + 2 updates) + N putValue/putCache of small values, beside
// the same rows written with plain INSERTs in one transaction (the floor on this machine).
// Run: node bench/store-writes.ts [jobs]
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { newId, openStore, SQLITE_MIGRATIONS, valueHash, type Store } from '../src/store/index.ts';

const JOBS = Number(process.argv[2] ?? 100_000);
const encoder = new TextEncoder();
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function ms(from: number): number {
  return Math.round(performance.now() - from);
}

// One job's worth of writes as the scheduler makes them.
function recordJob(store: Store, executionId: string, i: number): void {
  const id = newId();
  const now = Date.now();
  const evalHash = sha256(`${executionId}:${i}`);
  store.putJob({
    id,
    executionId,
    taskName: 'square',
    taskHash: 'task-hash',
    evalHash,
    executor: 'default',
    status: 'queued',
    attempt: 1,
    queuedAt: now,
  });
  store.updateJob(id, { status: 'running', startedAt: now });
  const valueHash = store.putValue(encoder.encode(JSON.stringify({ i, square: i * i })));
  store.updateJob(id, { status: 'done', endedAt: now, resultHash: valueHash, callHash: valueHash });
  store.putCache({ evalHash, valueHash, callHash: valueHash, jobId: id, executionId, createdAt: now });
}

async function withDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-store-bench-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The same final rows with plain prepared INSERTs, one transaction, no queue: what SQLite costs here.
async function rawFloor(): Promise<number> {
  return withDir(async (dir) => {
    const db = new DatabaseSync(join(dir, 'raw.db'));
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536');
    db.exec(SQLITE_MIGRATIONS.map((m) => m.sql).join(';\n'));
    const job = db.prepare(
      'INSERT INTO jobs (id, execution_id, task_name, task_hash, eval_hash, call_hash, executor, status, attempt, ' +
        'queued_at, started_at, ended_at, result_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const value = db.prepare('INSERT INTO "values" (hash, size, data, created_at) VALUES (?, ?, ?, ?)');
    const cache = db.prepare('INSERT INTO cache_entries VALUES (?, ?, ?, ?, ?, ?)');
    const start = performance.now();
    db.exec('BEGIN');
    for (let i = 0; i < JOBS; i++) {
      const id = newId();
      const now = Date.now();
      const evalHash = sha256(`raw:${i}`);
      const bytes = encoder.encode(JSON.stringify({ i, square: i * i }));
      const hash = valueHash(bytes);
      value.run(hash, bytes.byteLength, bytes, now);
      job.run(id, 'raw', 'square', 'task-hash', evalHash, hash, 'default', 'done', 1, now, now, now, hash);
      cache.run(evalHash, hash, hash, id, 'raw', now);
    }
    db.exec('COMMIT');
    db.close();
    return ms(start);
  });
}

async function scenario(
  name: string,
  body: (store: Store, executionId: string) => Promise<void>,
): Promise<number> {
  return withDir(async (dir) => {
    const store = await openStore('sqlite:baton.db', { cwd: dir });
    const executionId = newId();
    store.putExecution({
      id: executionId,
      taskName: 'main',
      argsPreview: '',
      status: 'running',
      startedAt: Date.now(),
      cwd: dir,
      argv: process.argv,
      host: 'bench',
      pid: process.pid,
    });
    const elu = performance.eventLoopUtilization();
    const start = performance.now();
    await body(store, executionId);
    const queued = ms(start);
    await store.close();
    const total = ms(start);
    const busy = performance.eventLoopUtilization(elu);
    console.log(
      `${name}: ${JOBS} jobs in ${total} ms = ${Math.round(JOBS / (total / 1000))} jobs/s ` +
        `(writes queued by ${queued} ms; main thread busy ${Math.round(busy.active)} ms)`,
    );
    const check = await openStore('sqlite:baton.db', { cwd: dir });
    const [execution] = await check.listExecutions();
    await check.close();
    if (execution?.counts?.jobs !== JOBS)
      throw new Error(`expected ${JOBS} jobs, found ${execution?.counts?.jobs}`);
    return total;
  });
}

// The test runner would pick this file up as a test; it is a benchmark, so it does nothing there.
if (process.env.NODE_TEST_CONTEXT === undefined) {
  for (const round of ['cold', 'warm']) {
    const start = performance.now();
    for (let i = 0; i < 100_000; i++) newId();
    console.log(`newId (${round}): 100000 ids in ${ms(start)} ms`);
  }
  const floor = await rawFloor();
  console.log(`raw SQLite floor (plain INSERTs of the final rows, one transaction): ${floor} ms`);
  const burst = await scenario('burst (one synchronous loop)', async (store, executionId) => {
    for (let i = 0; i < JOBS; i++) recordJob(store, executionId, i);
  });
  const streamed = await scenario('streamed (yield every 1000 jobs)', async (store, executionId) => {
    for (let i = 0; i < JOBS; i++) {
      recordJob(store, executionId, i);
      if (i % 1000 === 999) await yieldToLoop();
    }
  });
  console.log(
    `store / floor: burst ${(burst / floor).toFixed(2)}×, streamed ${(streamed / floor).toFixed(2)}×`,
  );
}
