// Workers "on other hosts": each in a network namespace of its own, joined to this one by a veth pair,
// talking to a Redis on the host side. One is cut off mid-task (its link set down): another worker
// takes up its queue job, and the run ends with every result.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { waitFor } from '../../cli/helpers.ts';
import { fleetProject, privateRedis, redisMissing, workersReady } from './helpers.ts';

const missing = (await redisMissing()) ?? netnsMissing();

function netnsMissing(): string | undefined {
  try {
    const probe = `bt-probe-${process.pid}`;
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
    return undefined;
  } catch {
    const reason = 'network namespaces need root and iproute2 (ip netns)';
    if (process.env.CI === 'true') throw new Error(reason);
    return reason;
  }
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'ignore' });

/** A namespace `name` reached over a veth pair: host side `hostIp`, namespace side `nsIp` (a /30). */
function namespace(t: TestContext, name: string, hostIp: string, nsIp: string): { hostLink: string } {
  const hostLink = `${name}-h`;
  ip('netns', 'add', name);
  t.after(() => {
    try {
      ip('link', 'del', hostLink);
    } catch {
      // gone with the namespace
    }
    ip('netns', 'del', name);
  });
  ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', `${name}-n`);
  ip('link', 'set', `${name}-n`, 'netns', name);
  ip('addr', 'add', `${hostIp}/30`, 'dev', hostLink);
  ip('link', 'set', hostLink, 'up');
  ip('netns', 'exec', name, 'ip', 'addr', 'add', `${nsIp}/30`, 'dev', `${name}-n`);
  ip('netns', 'exec', name, 'ip', 'link', 'set', `${name}-n`, 'up');
  ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  return { hostLink };
}

const WORKFLOW = `import { task } from 'baton';
import { appendFileSync } from 'node:fs';
export const slow = task('slow', (i: number) => {
  appendFileSync('starts.log', i + ' ' + process.pid + '\\n');
  const until = Date.now() + 2500;
  while (Date.now() < until) {}
  return i * 10;
});
export const fan = task('fan', (n: number) => Array.from({ length: n }, (_, i) => slow(i)));
`;

describe('fleet workers in network namespaces', { skip: missing }, () => {
  test('a worker cut off from the network mid-task has its job taken up by another', async (t) => {
    const tag = randomUUID().slice(0, 4);
    const a = namespace(t, `bta${tag}`, '10.231.0.1', '10.231.0.2');
    namespace(t, `btb${tag}`, '10.231.0.5', '10.231.0.6');
    // The Redis both namespaces reach, through each one's host-side address.
    const port = 17_400 + Math.floor(Math.random() * 400);
    await privateRedis(t, { port, password: 'netns', bind: ['127.0.0.1', '10.231.0.1', '10.231.0.5'] });
    // Each process reaches Redis at its own address: the url comes from the environment.
    const p = fleetProject(t, { url: '${FLEET_URL}', workflow: WORKFLOW });
    const inNamespace = (name: string, hostIp: string) =>
      p.worker(['--concurrency', '1'], { FLEET_URL: `redis://:netns@${hostIp}:${port}` }, { netns: name });
    const workerA = inNamespace(`bta${tag}`, '10.231.0.1');
    const workerB = inNamespace(`btb${tag}`, '10.231.0.5');
    await workersReady([workerA, workerB]);
    const run = p.start(['run', 'wf.ts', 'fan', '--n', '2'], {
      env: { FLEET_URL: `redis://:netns@127.0.0.1:${port}` },
    });
    await waitFor(() => p.lines('starts.log').length >= 2, 'both tasks to start', 60_000);
    const pidA = p.lines('starts.log').find((line) => line.endsWith(` ${workerA.child.pid}`));
    assert.ok(pidA, `worker A started a task:\n${p.lines('starts.log').join('\n')}`);
    const cutTask = pidA.split(' ')[0]!;
    ip('link', 'set', a.hostLink, 'down');
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [0, 10]);
    const takenUp = p.lines('starts.log').filter((line) => line === `${cutTask} ${workerB.child.pid}`);
    assert.equal(takenUp.length, 1, `worker B took up task ${cutTask}:\n${p.lines('starts.log').join('\n')}`);
  });
});
