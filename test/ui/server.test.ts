// The dashboard server: the page and its headers, who may use it (loopback Host names; a token on
// any other address, compared in constant time), and live updates pushed as server-sent events.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { AccessPolicy, isLoopbackHost, sameToken } from '../../src/ui/access.ts';
import { dashboardFor, json } from './helpers.ts';
import { recordExecution } from './history.ts';

describe('dashboard server', () => {
  test('serves the page and its files from the package with a strict Content-Security-Policy', async (t) => {
    const { get } = await dashboardFor(t);
    const page = await get('/');
    assert.equal(page.status, 200);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/app\.js"><\/script>/);
    assert.doesNotMatch(html, /https?:\/\//, 'nothing comes from elsewhere');
    const script = await get('/app.js');
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.ok(!(await script.text()).includes('innerHTML'));
    assert.equal((await get('/../package.json')).status, 404);
    assert.equal(
      (await get('/app.js', { headers: { 'If-None-Match': script.headers.get('etag')! } })).status,
      304,
    );
  });

  test('on loopback it answers only Host names of loopback, so other sites cannot rebind to it', async (t) => {
    const { dashboard } = await dashboardFor(t);
    assert.equal(dashboard.url, `http://127.0.0.1:${dashboard.port}/`);
    // fetch() sets Host itself: a raw request can name another.
    const statusFor = (host: string) =>
      new Promise<number | undefined>((resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port: dashboard.port,
          path: '/api/executions',
          headers: { Host: host },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end();
      });
    assert.equal(await statusFor(`localhost:${dashboard.port}`), 200);
    assert.equal(await statusFor(`[::1]:${dashboard.port}`), 200);
    assert.equal(await statusFor('evil.example:80'), 403);
  });

  test('on another address every request needs the token printed in the URL', async (t) => {
    const { dashboard, get } = await dashboardFor(t, { host: '0.0.0.0' });
    const token = new URL(dashboard.url).searchParams.get('token');
    assert.ok(token && token.length >= 32, dashboard.url);
    assert.equal((await get('/api/executions')).status, 401);
    assert.equal((await get('/')).status, 401);
    assert.equal((await get('/api/executions?token=wrong')).status, 401);
    const entry = await get(`/?token=${token}`);
    assert.equal(entry.status, 303);
    assert.equal(entry.headers.get('location'), '/', 'the token leaves the address bar');
    const cookie = entry.headers.get('set-cookie')!;
    assert.match(cookie, /HttpOnly; SameSite=Strict/);
    const withCookie = await get('/api/executions', { headers: { Cookie: cookie.split(';')[0]! } });
    assert.equal(withCookie.status, 200);
    const withBearer = await get('/api/executions', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(withBearer.status, 200);
  });

  test('host and token rules', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', 'app.localhost'])
      assert.ok(isLoopbackHost(host), host);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.com', ''])
      assert.ok(!isLoopbackHost(host), host);
    assert.ok(sameToken('abc', 'abc'));
    assert.ok(!sameToken('abd', 'abc'));
    assert.ok(!sameToken('abc-longer', 'abc'));
    assert.ok(!sameToken(undefined, 'abc'));
    assert.equal(new AccessPolicy('127.0.0.1', 'ignored').token, undefined, 'loopback needs no token');
  });

  test('pushes a running execution whose jobs change as a server-sent event', async (t) => {
    const { store, get } = await dashboardFor(t, { pollInterval: 50 });
    const { execution, jobs } = recordExecution(store, { status: 'running', children: 4 });
    const response = await get('/api/events');
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    t.after(() => reader.cancel());
    let text = '';
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 10_000;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no event matching ${pattern} in:\n${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${pattern}`);
        text += value;
      }
    };
    await until(/event: hello/);
    // Let the first poll take its baseline, then move one queued job on.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const queued = jobs.find((job) => job.status === 'queued')!;
    store.updateJob(queued.id, { status: 'done', startedAt: Date.now(), endedAt: Date.now() + 1 });
    await until(/event: execution\ndata: .*"done":3/);
    const sent = JSON.parse(/event: execution\ndata: (.*)\n/.exec(text)![1]!);
    assert.equal(sent.execution.id, execution.id);
    store.updateExecution(execution.id, { status: 'done', endedAt: Date.now() });
    await until(/"status":"done"/);
    assert.equal((await json<{ executions: unknown[] }>(await get('/api/executions'))).executions.length, 1);
  });

  test('a port in use is a UsageError naming it', async (t) => {
    const { dashboard, store } = await dashboardFor(t);
    const { startDashboard } = await import('../../src/ui/index.ts');
    await assert.rejects(startDashboard({ store, port: dashboard.port }), {
      name: 'UsageError',
      message: `port ${dashboard.port} on 127.0.0.1 is in use`,
    });
  });
});
