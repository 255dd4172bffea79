// The dashboard's JSON API over a recorded history: listings, filters, an execution's derived
// views, a job with everything around it, and what must never be shown.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, test } from 'node:test';
import { dashboardFor, json } from './helpers.ts';
import { MARKUP, recordExecution } from './history.ts';

type Body = Record<string, unknown> & { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('dashboard API', () => {
  test('lists executions newest first with counts and cache-hit ratio; filters by status, task and search', async (t) => {
    const { store, get } = await dashboardFor(t);
    const older = recordExecution(store, { startedAt: Date.now() - 120_000, children: 4 });
    const newer = recordExecution(store, {
      failing: true,
      children: 6,
      cachedFrom: { executionId: older.execution.id, jobId: older.jobs[1]!.id, count: 3 },
    });
    const all = await json<Body>(await get('/api/executions'));
    assert.deepEqual(
      all.executions.map((e: Body) => e.id),
      [newer.execution.id, older.execution.id],
    );
    const first = all.executions[0];
    assert.equal(first.counts.jobs, 7);
    assert.equal(first.counts.cached, 3);
    assert.equal(first.counts.failed, 2, 'the failed call and the root that called it');
    assert.equal(first.cacheHitRatio, 3 / 7);
    const failed = await json<Body>(await get('/api/executions?status=failed'));
    assert.deepEqual(
      failed.executions.map((e: Body) => e.id),
      [newer.execution.id],
    );
    const searched = await json<Body>(await get(`/api/executions?q=${older.execution.id.slice(0, 14)}`));
    assert.deepEqual(
      searched.executions.map((e: Body) => e.id),
      [older.execution.id],
    );
    assert.equal((await json<Body>(await get('/api/executions?task=nothing'))).executions.length, 0);
    const paged = await json<Body>(await get('/api/executions?limit=1'));
    assert.equal(paged.executions.length, 1);
    assert.equal(paged.more, true);
  });

  test('a run recorded as running whose scheduler is gone is listed as lost, with the reason', async (t) => {
    const { store, get } = await dashboardFor(t);
    const live = recordExecution(store, { status: 'running', heartbeatAt: Date.now() });
    const silent = recordExecution(store, { status: 'running', startedAt: Date.now() - 120_000 });
    const killed = recordExecution(store, { status: 'running', host: hostname(), pid: 2 ** 22 + 1 });
    const shown = async (query: string) =>
      (await json<Body>(await get(`/api/executions${query}`))).executions.map((e: Body) => [e.id, e.status]);
    assert.deepEqual(
      new Map(await shown('')),
      new Map([
        [live.execution.id, 'running'],
        [silent.execution.id, 'lost'],
        [killed.execution.id, 'lost'],
      ]),
    );
    assert.deepEqual(await shown('?status=running'), [[live.execution.id, 'running']]);
    assert.deepEqual((await shown('?status=lost')).length, 2);
    const page = await json<Body>(await get(`/api/executions/${killed.execution.id}`));
    assert.equal(page.execution.status, 'lost');
    assert.match(page.execution.lost, /its process \(pid 4194305 on .+\) is gone/);
    const quiet = await json<Body>(await get(`/api/executions/${silent.execution.id}`));
    assert.match(quiet.execution.lost, /has given no sign of life for \d+s/);
  });

  test('an execution of 10,000 jobs is served a page at a time, with graph, summary and timeline', async (t) => {
    const { store, get } = await dashboardFor(t);
    const { execution, root } = recordExecution(store, { children: 9_999 });
    const id = execution.id;
    const page = await json<Body>(await get(`/api/executions/${id}/jobs?offset=9900&limit=200`));
    assert.equal(page.total, 10_000);
    assert.equal(page.jobs.length, 100);
    const slowest = await json<Body>(
      await get(`/api/executions/${id}/jobs?sort=duration&order=desc&limit=1`),
    );
    assert.equal(slowest.jobs[0].taskName, 'main');
    const roots = await json<Body>(await get(`/api/executions/${id}/graph`));
    assert.equal(roots.total, 1);
    assert.equal(roots.nodes[0].children, 9_999);
    assert.equal(roots.nodes[0].below.done, 9_999);
    const kids = await json<Body>(
      await get(`/api/executions/${id}/graph?parent=${root.id}&offset=100&limit=50`),
    );
    assert.equal(kids.total, 9_999);
    assert.equal(kids.nodes.length, 50);
    const summary = await json<Body>(await get(`/api/executions/${id}/summary`));
    const square = summary.tasks.find((task: Body) => task.taskName === 'square');
    assert.equal(square.jobs, 9_999);
    assert.ok(square.durations.p95 >= square.durations.p50);
    const histogramTotal = summary.histogram.counts['*'].reduce((a: number, b: number) => a + b, 0);
    assert.equal(histogramTotal, 10_000);
    const timeline = await json<Body>(await get(`/api/executions/${id}/timeline`));
    assert.equal(timeline.ids.length, 10_000);
    assert.deepEqual(timeline.groups.map((g: Body) => g.executor).sort(), ['default', 'procs']);
  });

  test('a failed job comes with its error, stack and log tail, its task source and hashes; a cache hit with its source', async (t) => {
    const { store, get } = await dashboardFor(t);
    const older = recordExecution(store, { children: 2 });
    const newer = recordExecution(store, {
      failing: true,
      children: 3,
      cachedFrom: { executionId: older.execution.id, jobId: older.jobs[1]!.id, count: 1 },
    });
    const failed = await json<Body>(await get(`/api/jobs/${newer.failed!.id}`));
    assert.equal(failed.job.status, 'failed');
    assert.equal(failed.error.name, 'RangeError');
    assert.match(failed.error.stack, /at square \(file:\/\/\/w\/workflow\.ts:7:11\)/);
    assert.equal(failed.error.logTail, 'step 1\nstep 2: about to fail');
    assert.equal(failed.task.source, '(x, apiKey) => x * x');
    assert.equal(failed.job.evalHash.length, 64);
    assert.equal(failed.parent.id, newer.root.id);
    const hit = await json<Body>(await get(`/api/jobs/${newer.jobs[1]!.id}`));
    assert.equal(hit.job.status, 'cached');
    assert.equal(hit.cachedFrom.jobId, older.jobs[1]!.id);
    assert.equal(hit.cachedFrom.execution.id, older.execution.id);
    const filtered = await json<Body>(await get(`/api/executions/${newer.execution.id}/jobs?status=failed`));
    assert.deepEqual(
      filtered.jobs.map((j: Body) => j.id),
      [newer.root.id, newer.failed!.id],
    );
  });

  test('markup in values and errors comes back as the same text; secrets are masked', async (t) => {
    const { store, get } = await dashboardFor(t);
    const { execution, root, failed } = recordExecution(store, {
      failing: true,
      children: 2,
      argv: [
        'baton',
        'run',
        'wf.ts',
        'main',
        '--password',
        'hunter2',
        '--api-key=abc123',
        '-o',
        'token=t0k3n',
      ],
    });
    const detail = await json<Body>(await get(`/api/executions/${execution.id}`));
    const text = JSON.stringify(detail);
    for (const secret of ['hunter2', 'abc123', 't0k3n', 'pa55word'])
      assert.ok(!text.includes(secret), secret);
    assert.deepEqual(detail.execution.argv.slice(4), [
      '--password',
      '***',
      '--api-key=***',
      '-o',
      'token=***',
    ]);
    const result = await json<Body>(await get(`/api/jobs/${root.id}`));
    assert.ok(result.result.text.includes(JSON.stringify(MARKUP)), 'markup is kept as text');
    assert.ok(!result.result.text.includes('sk-live-123456'), 'a secret-named key is masked');
    assert.match(result.result.text, /"apiKey": \*\*\*/);
    const job = await json<Body>(await get(`/api/jobs/${failed!.id}`));
    assert.ok(job.error.message.includes(MARKUP));
    assert.ok(!JSON.stringify(job).includes('hunter2'));
  });

  test('unknown routes and ids are 404, bad parameters 400, writes 405 — all as JSON', async (t) => {
    const { get } = await dashboardFor(t);
    assert.equal((await get('/api/nothing')).status, 404);
    const missing = await get('/api/executions/zzzz');
    assert.equal(missing.status, 404);
    assert.match((await json<Body>(missing)).error.message, /no execution has an id starting with 'zzzz'/);
    const bad = await get('/api/executions?limit=-3');
    assert.equal(bad.status, 400);
    assert.match((await json<Body>(bad)).error.message, /limit must be a whole number/);
    assert.equal((await get('/api/executions?status=exploded')).status, 400);
    assert.equal((await get('/api/executions', { method: 'POST' })).status, 405);
  });
});
