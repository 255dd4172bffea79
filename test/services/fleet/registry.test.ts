// Workers announce themselves with heartbeats (baton workers, awaitWorkers), and tasks with a locality
// go to the workers whose tags or host match.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { awaitWorkers, ExecutorError, type WorkerInfo } from '../../../src/index.ts';
import { fleetProject, redisMissing, workersReady } from './helpers.ts';

const missing = await redisMissing();

const WORKFLOW = `import { task } from 'baton';
const pid = async () => {
  await new Promise((resolve) => setTimeout(resolve, 20));
  return process.pid;
};
export const onGpu = task('onGpu', (i: number) => pid(), { locality: { require: ['gpu'] } });
export const offGpu = task('offGpu', (i: number) => pid(), { locality: { forbid: ['gpu'] } });
export const likesGpu = task('likesGpu', (i: number) => pid(), { locality: { prefer: ['gpu'] } });
export const likesTpu = task('likesTpu', (i: number) => pid(), { locality: { prefer: ['tpu'] } });
export const fan = task('fan', (kind: string, n: number) =>
  Array.from({ length: n }, (_, i) =>
    (kind === 'on' ? onGpu : kind === 'off' ? offGpu : kind === 'likes' ? likesGpu : likesTpu)(i)));
`;

describe('fleet worker registry', { skip: missing }, () => {
  test('baton workers and awaitWorkers list live workers; one that leaves or dies drops out', async (t) => {
    const p = fleetProject(t, { workflow: WORKFLOW });
    const config = join(p.dir, 'baton.toml');
    const gpu = p.worker(['--concurrency', '2', '--tags', 'gpu,big', '--id', 'w-gpu']);
    const plain = p.worker(['--concurrency', '1', '--id', 'w-plain']);
    const workers = await awaitWorkers(2, { config, connectTimeout: 60, stableTimeout: 0.3 });
    assert.deepEqual(workers.map((worker) => worker.id).sort(), ['w-gpu', 'w-plain']);
    const listed = await p.baton(['workers', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const byId = new Map((JSON.parse(listed.stdout) as WorkerInfo[]).map((worker) => [worker.id, worker]));
    assert.deepEqual(byId.get('w-gpu')?.tags, ['gpu', 'big']);
    assert.equal(byId.get('w-gpu')?.concurrency, 2);
    assert.equal(byId.get('w-gpu')?.pid, gpu.child.pid);
    assert.equal(byId.get('w-plain')?.running, 0);
    const table = await p.baton(['workers']);
    assert.match(table.stdout, /^ID\s+HOST\s+TAGS\s+CONCURRENCY\s+RUNNING\s+DONE\s+UPTIME\s+STATE$/m);
    assert.match(table.stdout, /^w-gpu\s+\S+\s+gpu,big\s+2\s+0\s+0\s+\d+s\s+ready$/m);

    plain.child.kill('SIGTERM');
    await plain.exited;
    gpu.child.kill('SIGKILL');
    // A killed worker's record expires after three missed heartbeats (0.5 s each here).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await p.baton(['workers', '--json']);
    assert.deepEqual(JSON.parse(after.stdout), [], 'a worker that left or died is not listed');
  });

  test('awaitWorkers fails after its timeout, naming how many workers it saw', async (t) => {
    const p = fleetProject(t, { workflow: WORKFLOW });
    await assert.rejects(
      awaitWorkers(1, { config: join(p.dir, 'baton.toml'), connectTimeout: 0.5 }),
      (error: unknown) => error instanceof ExecutorError && /0 of 1 workers after 0\.5s/.test(error.message),
    );
  });

  test('locality: require and forbid route by tag; prefer waits for a match, then takes any worker', async (t) => {
    const p = fleetProject(t, { workflow: WORKFLOW, extra: ['locality_wait = 0.5'] });
    const gpu = p.worker(['--concurrency', '1', '--tags', 'gpu']);
    const plain = p.worker(['--concurrency', '1']);
    await workersReady([gpu, plain]);
    await awaitWorkers(2, { config: join(p.dir, 'baton.toml'), stableTimeout: 0.2 });
    const pidsOf = async (kind: string) => {
      const result = await p.baton(['run', 'wf.ts', 'fan', '--kind', kind, '--n', '12']);
      assert.equal(result.code, 0, result.stderr);
      return new Set(JSON.parse(result.stdout) as number[]);
    };
    assert.deepEqual(await pidsOf('on'), new Set([gpu.child.pid]));
    assert.deepEqual(await pidsOf('off'), new Set([plain.child.pid]));
    assert.deepEqual(await pidsOf('likes'), new Set([gpu.child.pid]));
    const anywhere = await pidsOf('tpu');
    assert.ok(anywhere.size >= 1, 'work preferring a tag no worker has still runs');
  });
});
