// Benchmark: 20,000 trivial tasks through the fleet executor with two `baton worker` processes, against
// plain BullMQ (a Queue and two processes each running a BullMQ Worker) doing the same work on the same
// Redis, trial after trial in turn. Baton's time runs until every result is back in the scheduler;
// BullMQ's until every job is completed (its results are not even read back), so the ratio is conservative.
//   node --conditions=baton-source bench/fleet.ts          (Redis at BENCH_REDIS_URL, default redis://127.0.0.1:6379)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { awaitWorkers, Scheduler } from '../src/index.ts';
import { checkIncremented, median, report, timed } from './harness.ts';
import { fanOut } from './workflow.ts';

const URL_ = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Number(process.env.BENCH_TASKS ?? 20_000);
const TRIALS = Number(process.env.BENCH_TRIALS ?? 3);
/** Worker processes on each side. */
const PROCESSES = 2;
/** Tasks at once per worker process, the same on both sides. */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1);
const PREFIX = 'baton-bench';
const CLI = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

// Child mode: one plain BullMQ worker process.
if (process.argv[2] === '--bullmq-worker') {
  const worker = new Worker(process.argv[3]!, async (job) => (job.data as number) + 1, {
    connection: { url: URL_, maxRetriesPerRequest: null },
    prefix: PREFIX,
    concurrency: CONCURRENCY,
  });
  process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
  await worker.waitUntilReady();
  process.send?.('ready');
} else {
  await main();
}

function startChild(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--conditions=baton-source', ...args], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}

async function clean(redis: Redis, queue: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${PREFIX}:${queue}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

async function batonTrial(trial: number, redis: Redis): Promise<number> {
  const queue = `fleet-${process.pid}-${trial}`;
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-fleet-'));
  const config = join(dir, 'baton.toml');
  writeFileSync(
    config,
    `[executors.default]\ntype = "fleet"\nurl = "${URL_}"\nqueue = "${queue}"\nprefix = "${PREFIX}"\nheartbeat = 1\n`,
  );
  const workers = Array.from({ length: PROCESSES }, () =>
    startChild([CLI, 'worker', '--config', config, '--concurrency', String(CONCURRENCY)]),
  );
  const scheduler = new Scheduler({ config, cwd: dir });
  try {
    await awaitWorkers(PROCESSES, { config, connectTimeout: 30, stableTimeout: 0.5 });
    const options = { cache: 'none', provenance: false } as const;
    // Warm: the workers import the module, the scheduler starts the executor.
    checkIncremented(await scheduler.run(fanOut(1000, -1000 - trial), options), 1000, -1000 - trial);
    const from = trial * N * 10;
    const { ms, value } = await timed(() => scheduler.run(fanOut(N, from), options));
    checkIncremented(value, N, from);
    return N / (ms / 1000);
  } finally {
    await scheduler.close();
    await stopAll(workers);
    await clean(redis, queue);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bullmqTrial(trial: number, redis: Redis): Promise<number> {
  const name = `plain-${process.pid}-${trial}`;
  const workers = Array.from({ length: PROCESSES }, () =>
    startChild([fileURLToPath(import.meta.url), '--bullmq-worker', name]),
  );
  const queue = new Queue(name, { connection: { url: URL_ }, prefix: PREFIX });
  try {
    await Promise.all(workers.map((child) => new Promise((resolve) => child.once('message', resolve))));
    const jobs = (count: number, from: number) =>
      Array.from({ length: count }, (_, i) => ({ name: 'inc', data: from + i }));
    await queue.addBulk(jobs(1000, 0)); // warm
    while ((await queue.getCompletedCount()) < 1000) await new Promise((resolve) => setTimeout(resolve, 20));
    const { ms } = await timed(async () => {
      for (let i = 0; i < N; i += 1000) await queue.addBulk(jobs(Math.min(1000, N - i), i));
      while ((await queue.getCompletedCount()) < N + 1000)
        await new Promise((resolve) => setTimeout(resolve, 20));
    });
    return N / (ms / 1000);
  } finally {
    await stopAll(workers);
    await queue.close();
    await clean(redis, name);
  }
}

async function main(): Promise<void> {
  const redis = new Redis(URL_);
  const baton: number[] = [];
  const bullmq: number[] = [];
  try {
    for (let trial = 1; trial <= TRIALS; trial++) {
      bullmq.push(await bullmqTrial(trial, redis));
      baton.push(await batonTrial(trial, redis));
      console.error(
        `trial ${trial}: BullMQ ${bullmq.at(-1)!.toFixed(0)} tasks/s, Baton ${baton.at(-1)!.toFixed(0)} tasks/s`,
      );
    }
  } finally {
    redis.disconnect();
  }
  const ratio = median(baton) / median(bullmq);
  report({
    name: `fleet: ${N.toLocaleString('en')} trivial tasks, ${PROCESSES} worker processes each side`,
    detail: `Baton fleet ${median(baton).toFixed(0)} tasks/s, plain BullMQ ${median(bullmq).toFixed(0)} tasks/s (median of ${TRIALS}, concurrency ${CONCURRENCY} per process)`,
    value: ratio,
    unit: 'x BullMQ',
    target: { min: 2 },
  });
}
