// `baton ui` and `baton run --ui` as users start them: the URL they print, and the API behind it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { project, waitFor } from '../cli/helpers.ts';

const WORKFLOW = `import { task } from 'baton';
export const double = task('double', (x: number) => x * 2);
export const main = task('main', (n: number) => Array.from({ length: n }, (_, i) => double(i)));
`;

function urlIn(text: string): string | undefined {
  return /(http:\/\/\S+)/.exec(text)?.[1];
}

describe('baton ui', () => {
  test('serves the recorded executions at the URL it prints, until SIGINT', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    assert.equal((await p.baton(['run', 'wf.ts', 'main', '--n', '3'])).code, 0);
    let out = '';
    const { child, done } = p.start(['ui', '--port', '0']);
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    t.after(() => child.kill('SIGKILL'));
    await waitFor(() => urlIn(out) !== undefined, 'the dashboard URL');
    const url = urlIn(out)!;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const listing = (await (await fetch(`${url}api/executions`)).json()) as {
      executions: Array<{ taskName: string; counts: { jobs: number } }>;
    };
    assert.equal(listing.executions[0]?.taskName, 'main');
    assert.equal(listing.executions[0]?.counts.jobs, 4);
    child.kill('SIGINT');
    assert.equal((await done).code, 0);
  });

  test('on a non-loopback host prints a URL with a token', async (t) => {
    const p = project(t);
    let out = '';
    const { child, done } = p.start(['ui', '--port', '0', '--host', '0.0.0.0']);
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    t.after(() => child.kill('SIGKILL'));
    await waitFor(() => urlIn(out) !== undefined, 'the dashboard URL');
    const url = new URL(urlIn(out)!);
    assert.ok((url.searchParams.get('token') ?? '').length >= 32, url.href);
    const port = url.port;
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/executions`)).status, 401);
    child.kill('SIGINT');
    await done;
  });

  test('a bad port is a usage error', async (t) => {
    const p = project(t);
    const r = await p.baton(['ui', '--port', 'eighty']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--port must be a port number from 0 to 65535, got 'eighty'/);
  });

  test('baton run --ui prints the dashboard URL on stderr and still prints the result', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const r = await p.baton(['run', 'wf.ts', 'main', '--n', '2', '--ui', '--ui-port', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /baton: dashboard at http:\/\/127\.0\.0\.1:\d+\//);
    assert.deepEqual(JSON.parse(r.stdout), [0, 2]);
  });
});
