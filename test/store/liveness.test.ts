// Telling a run whose scheduler is alive from one that died without recording its end.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, test } from 'node:test';
import { executionLiveness, processState, STALE_AFTER } from '../../src/store/index.ts';
import { execution } from './fixtures.ts';

const here = { host: hostname(), pid: process.pid, argv: process.argv.slice(1) };

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

describe('liveness of running executions', () => {
  test('this very process is the same one; an exited pid is gone; another host cannot be asked', () => {
    assert.equal(processState(here), 'same');
    assert.equal(processState({ ...here, pid: deadPid() }), 'gone');
    assert.equal(processState({ ...here, argv: [here.argv[0]!, 'another', 'command'] }), 'gone');
    assert.equal(processState({ ...here, host: 'elsewhere.example' }), 'unknown');
  });

  test('on this host a dead process means lost at once; elsewhere a stale heartbeat does', () => {
    const now = Date.now();
    const running = execution({ ...here, status: 'running', startedAt: now - 3_600_000 });
    assert.deepEqual(executionLiveness(running, now), { state: 'live' }, 'its process answers');
    const killed = executionLiveness({ ...running, pid: deadPid(), heartbeatAt: now }, now);
    assert.equal(killed.state, 'lost');
    assert.match((killed as { reason: string }).reason, /is gone/);

    const remote = { ...running, host: 'elsewhere.example' };
    assert.equal(executionLiveness({ ...remote, heartbeatAt: now - 1_000 }, now).state, 'live');
    const silent = executionLiveness({ ...remote, heartbeatAt: now - STALE_AFTER - 5_000 }, now);
    assert.equal(silent.state, 'lost');
    assert.match((silent as { reason: string }).reason, /no sign of life for 35s/);
    assert.equal(executionLiveness({ ...remote, startedAt: now - 2_000 }, now).state, 'live');
    assert.equal(executionLiveness({ ...running, status: 'done' }, now).state, 'finished');
  });
});
