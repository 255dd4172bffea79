// The team store beside the local one, in one run: job writes per second (each job as the scheduler
// records it: put, two updates, a small value and a cache entry) and cached-call lookups per second
// (cache entry then value, as a re-run's fan-out asks for them: all at once, answered in batches),
// on PostgreSQL and on SQLite. Also the latency of one lookup on its own.
//   node --conditions=baton-source bench/store-postgres.ts [jobs]
// PostgreSQL from BATON_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432/test), on a
// schema of its own that is dropped afterwards.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import pg from 'pg';
import { newId, openStore, type Store } from '../src/store/index.ts';
import { median, report } from './harness.ts';

const JOBS = Number(process.argv[2] ?? process.env.BENCH_STORE_JOBS ?? 50_000);
const SINGLE_LOOKUPS = 500;
const SERVER = process.env.BATON_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const encoder = new TextEncoder();
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Side {
  name: string;
  open(): Promise<Store>;
}

// One job's worth of writes as the scheduler makes them (bench/store-writes.ts does the same).
function recordJob(store: Store, executionId: string, i: number): void {
  const id = newId();
  const now = Date.now();
  const evalHash = sha256(`job:${i}`);
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

/** Jobs per second, timed until every record is committed. */
async function writeJobs(side: Side): Promise<number> {
  const store = await side.open();
  const executionId = newId();
  store.putExecution({
    id: executionId,
    taskName: 'main',
    argsPreview: '',
    status: 'running',
    startedAt: Date.now(),
    cwd: process.cwd(),
    argv: [],
    host: 'bench',
    pid: process.pid,
  });
  await store.flush();
  const start = performance.now();
  for (let i = 0; i < JOBS; i++) {
    recordJob(store, executionId, i);
    if (i % 1000 === 999) {
      await store.pressure();
      await yieldToLoop();
    }
  }
  await store.flush();
  const seconds = (performance.now() - start) / 1000;
  await store.close();
  return JOBS / seconds;
}

async function lookup(store: Store, i: number): Promise<void> {
  const entry = await store.getCache(sha256(`job:${i}`));
  const bytes = entry && (await store.getValue(entry.valueHash));
  if (!bytes) throw new Error(`call ${i} is not in the cache`);
}

/** Cached-call lookups per second with every call asked at once, and the median of one alone (µs). */
async function lookups(side: Side): Promise<{ rate: number; singleUs: number }> {
  const store = await side.open();
  const start = performance.now();
  await Promise.all(Array.from({ length: JOBS }, (_, i) => lookup(store, i)));
  const rate = JOBS / ((performance.now() - start) / 1000);
  const single: number[] = [];
  for (let i = 0; i < SINGLE_LOOKUPS; i++) {
    const began = performance.now();
    await lookup(store, (i * 7919) % JOBS);
    single.push((performance.now() - began) * 1000);
  }
  await store.close();
  return { rate, singleUs: median(single) };
}

function round(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

if (process.env.NODE_TEST_CONTEXT === undefined) {
  const dir = await mkdtemp(join(tmpdir(), 'baton-store-bench-'));
  const schema = `baton_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  try {
    const sides: Side[] = [
      { name: 'SQLite', open: () => openStore('sqlite:baton.db', { cwd: dir }) },
      { name: 'PostgreSQL', open: () => openStore(`${SERVER}?schema=${schema}`) },
    ];
    const results = new Map<string, { writes: number; rate: number; singleUs: number }>();
    for (const side of sides) {
      const writes = await writeJobs(side);
      const read = await lookups(side);
      results.set(side.name, { writes, ...read });
      console.log(
        `${side.name}: ${round(writes)} job writes/s; ${round(read.rate)} cached-call lookups/s ` +
          `(${JOBS.toLocaleString('en-US')} at once); one lookup alone p50 ${round(read.singleUs)} µs`,
      );
    }
    const sqlite = results.get('SQLite')!;
    const postgres = results.get('PostgreSQL')!;
    // The team store may be slower than a file on the same machine, but not by more than half.
    report({
      name: 'team store: job writes, PostgreSQL against SQLite',
      detail: `${round(postgres.writes)} jobs/s vs ${round(sqlite.writes)} jobs/s (${JOBS.toLocaleString('en-US')} jobs, PostgreSQL on loopback)`,
      value: postgres.writes / sqlite.writes,
      unit: 'x SQLite',
      target: { min: 0.5 },
    });
    report({
      name: 'team store: cached-call lookups, PostgreSQL against SQLite',
      detail: `${round(postgres.rate)} lookups/s vs ${round(sqlite.rate)} lookups/s; one alone p50 ${round(postgres.singleUs)} µs vs ${round(sqlite.singleUs)} µs`,
      value: postgres.rate / sqlite.rate,
      unit: 'x SQLite',
      target: { min: 0.5 },
    });
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}
