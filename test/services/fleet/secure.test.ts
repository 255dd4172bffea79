// A fleet whose Redis wants a password, over TLS: it works, and the password shows up nowhere (logs,
// baton executors, the database).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fleetProject, privateRedis, redisMissing, workersReady } from './helpers.ts';

const missing = await redisMissing();
const PASSWORD = 'pa55-w0rd-NEVER-SHOWN';

const WORKFLOW = `import { task } from 'baton';
export const add = task('add', (a: number, b: number) => a + b);
export const sum = task('sum', (n: number) => Array.from({ length: n }, (_, i) => add(i, 1)));
`;

/** Every file below `dir` (the project, its .baton folder and database included). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('fleet executor with a password and TLS', { skip: missing }, () => {
  test('rediss:// with a password runs tasks, and the password is never printed or stored', async (t) => {
    const port = 16_400 + Math.floor(Math.random() * 500);
    const { ca } = await privateRedis(t, { port, password: PASSWORD, tls: true });
    const p = fleetProject(t, {
      url: 'rediss://:${REDIS_PASSWORD}@127.0.0.1:' + port,
      extra: [`tls_ca = ${JSON.stringify(ca)}`],
      workflow: WORKFLOW,
    });
    const env = { REDIS_PASSWORD: PASSWORD };
    const worker = p.worker(['--concurrency', '1'], env);
    await workersReady([worker]);
    const result = await p.baton(['run', 'wf.ts', 'sum', '--n', '5'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [1, 2, 3, 4, 5]);
    const executors = await p.baton(['executors'], { env });
    assert.equal(executors.code, 0, executors.stderr);
    assert.match(executors.stdout, /rediss:\/\/:\*\*\*@127\.0\.0\.1/);
    const json = await p.baton(['executors', '--json'], { env });
    for (const text of [result.stderr, result.stdout, worker.output(), executors.stdout, json.stdout]) {
      assert.ok(!text.includes(PASSWORD), `the password appears in:\n${text}`);
    }
    for (const file of filesUnder(p.dir)) {
      assert.ok(!readFileSync(file).includes(PASSWORD), `the password is stored in ${file}`);
    }
  });

  test('a wrong password fails with one line naming the server, not the password', async (t) => {
    const port = 16_900 + Math.floor(Math.random() * 500);
    await privateRedis(t, { port, password: PASSWORD });
    const p = fleetProject(t, { url: `redis://:wrong-${PASSWORD}@127.0.0.1:${port}`, workflow: WORKFLOW });
    const result = await p.baton(['run', 'wf.ts', 'sum', '--n', '2']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`cannot use Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
    assert.match(result.stderr, /check the user and password/);
    assert.ok(!result.stderr.includes(PASSWORD), result.stderr);
  });
});
