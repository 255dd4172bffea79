// `baton profile` against live workers on the real Redis: every worker answers with the profiles of
// its threads, and the table names the task function that burned the CPU.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { FleetKeys, listWorkers } from '../../../src/executors/fleet/index.ts';
import { awaitWorkers } from '../../../src/index.ts';
import { waitFor } from '../../cli/helpers.ts';
import { REDIS_URL, fleetProject, redisMissing, workersReady } from './helpers.ts';

const missing = await redisMissing();

const WORKFLOW = `import { task } from 'baton';
const kept: number[][] = [];
function holdForProfile(n: number): number {
  for (let i = 0; i < n; i++) kept.push(new Array(1000).fill(i));
  return kept.length;
}
function spinForProfile(ms: number): number {
  const end = Date.now() + ms;
  let x = 0;
  let next = Date.now();
  while (Date.now() < end) {
    x += Math.sqrt(x + 1);
    if (Date.now() >= next) {
      holdForProfile(5); // memory held all along, so any window of a heap profile sees some
      next += 100;
    }
  }
  return x;
}
export const busy = task('busy', (i: number, ms: number) => (spinForProfile(ms), i));
export const fan = task('fan', (n: number, ms: number) => Array.from({ length: n }, (_, i) => busy(i, ms)));
`;

describe('baton profile (fleet on the real Redis)', { skip: missing }, () => {
  test('profiles of two busy workers name the task functions: heap, CPU per fleet and per worker, saved for DevTools', async (t) => {
    const p = fleetProject(t, { workflow: WORKFLOW });
    const workers = [
      p.worker(['--concurrency', '1', '--id', 'w-a']),
      p.worker(['--concurrency', '1', '--id', 'w-b']),
    ];
    await workersReady(workers);
    await awaitWorkers(2, { config: join(p.dir, 'baton.toml'), stableTimeout: 0.2 });
    // Work for both workers for longer than the three profiles take: 12 calls of 4 s.
    const run = p.baton(['run', 'wf.ts', 'fan', '--n', '12', '--ms', '4000', '--no-cache']);
    const redis = new Redis(REDIS_URL);
    try {
      const keys = new FleetKeys(p.prefix, p.queue);
      await waitFor(
        async () => (await listWorkers(redis, keys)).filter((worker) => worker.running > 0).length === 2,
        'both workers to run a task',
        60_000,
      );
    } finally {
      redis.disconnect();
    }

    const memory = await p.baton(['profile', '--memory', '--duration', '1s']);
    assert.equal(memory.code, 0, memory.stderr);
    assert.match(memory.stdout, /^\s*USED\s+HEAP\s+THREAD$/m);
    assert.match(memory.stdout, /live allocations sampled: /);
    assert.match(memory.stdout, /\bholdForProfile\b/);

    const fleet = await p.baton(['profile', '--cpu', '2s', '--out', 'profiles']);
    assert.equal(fleet.code, 0, fleet.stderr);
    assert.match(fleet.stderr, /cpu profile of 2 worker\(s\) for 2 s/);
    assert.match(fleet.stdout, /^fleet: 2 workers, \d+ threads$/m);
    const top = fleet.stdout.split('\n').find((line) => /\bspinForProfile\b/.test(line));
    assert.ok(top, `spinForProfile is in the table:\n${fleet.stdout}`);
    assert.match(top, /wf\.ts:7$/, 'with its file and line');
    const saved = readdirSync(join(p.dir, 'profiles'));
    assert.ok(saved.some((name) => name.startsWith('w-a-')) && saved.some((name) => name.startsWith('w-b-')));
    const profile = JSON.parse(readFileSync(join(p.dir, 'profiles', saved[0]!), 'utf8')) as {
      nodes: unknown[];
    };
    assert.ok(Array.isArray(profile.nodes) && profile.nodes.length > 0, 'a .cpuprofile DevTools can open');

    const split = await p.baton(['profile', '--cpu', '1s', '--per-worker', '--top', '5']);
    assert.equal(split.code, 0, split.stderr);
    assert.match(split.stdout, /^worker w-a \(.+, pid \d+\): \d+ threads$/m);
    assert.match(split.stdout, /^worker w-b \(.+, pid \d+\): \d+ threads$/m);

    const result = await run;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      JSON.parse(result.stdout),
      Array.from({ length: 12 }, (_, i) => i),
      'profiling did not disturb the run',
    );
  });

  test('with no live worker the command says so and exits 1', async (t) => {
    const p = fleetProject(t, { workflow: WORKFLOW });
    const none = await p.baton(['profile', '--cpu', '1s']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no live workers on queue jobs/);
  });
});
