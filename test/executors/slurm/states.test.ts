// Reading squeue and Slurm's own messages: which jobs are Baton's, and why a job ended without a result.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { explainEnd, parseQueue } from '../../../src/executors/slurm/index.ts';

describe('squeue lines', () => {
  test("Baton's single jobs and array elements are read; other jobs are left out", () => {
    const entries = parseQueue(
      [
        '812|RUNNING|baton-' + 'a'.repeat(64) + '|None',
        '813_4|PENDING|baton-array-mwth7ld9-0f709a912882|Resources',
        '813_5|COMPLETED|baton-array-mwth7ld9-0f709a912882|None',
        '814|RUNNING|someone-elses-job|None',
        '',
      ].join('\n'),
    );
    assert.deepEqual(
      entries.map((entry) => [entry.id, entry.state, entry.index, entry.reason]),
      [
        ['812', 'RUNNING', undefined, 'None'],
        ['813_4', 'PENDING', 4, 'Resources'],
        ['813_5', 'COMPLETED', 5, 'None'],
      ],
    );
  });
});

describe('why a job ended without a result', () => {
  test('a memory kill is read from slurmstepd lines in the output file', () => {
    const log = [
      'slurmstepd-vm: error: StepId=853.batch exceeded memory limit (309161984 > 268435456), being killed',
      'slurmstepd-vm: error: Exceeded job memory limit',
    ].join('\n');
    assert.equal(explainEnd('FAILED', 'JobLaunchFailure', log).memoryKilled, true);
    assert.equal(explainEnd('OUT_OF_MEMORY', 'OutOfMemory', '').memoryKilled, true);
    const cgroup = 'slurmstepd: error: Detected 1 oom-kill event(s) in StepId=12.batch.';
    assert.equal(explainEnd('FAILED', 'None', cgroup).memoryKilled, true);
  });

  test('a time limit is read from the state or from "DUE TO TIME LIMIT"', () => {
    assert.equal(explainEnd('TIMEOUT', 'TimeLimit', '').timedOut, true);
    const log =
      'slurmstepd-vm: error: *** JOB 807 ON vm CANCELLED AT 2026-11-23T16:22:13 DUE TO TIME LIMIT ***';
    const exit = explainEnd(undefined, '', log);
    assert.equal(exit.timedOut, true);
    assert.equal(exit.logTail, log);
  });

  test('a node failure and a preemption are system failures that say what happened', () => {
    const node = explainEnd('NODE_FAIL', 'NodeDown', '');
    assert.equal(node.memoryKilled, undefined);
    assert.equal(node.timedOut, undefined);
    assert.equal(node.refused, undefined);
    assert.match(node.reason!, /its node failed \(Slurm state NODE_FAIL, reason NodeDown\)/);
    const log = '*** JOB 9 ON vm CANCELLED AT 2026-11-23T16:27:51 DUE TO NODE FAILURE, SEE SLURMCTLD LOG ***';
    assert.match(explainEnd(undefined, '', log).reason!, /its node failed/);
    assert.match(explainEnd('PREEMPTED', 'None', '').reason!, /preempted/);
  });

  test('a job that left the queue unseen, or was cancelled by hand, says so', () => {
    assert.match(explainEnd(undefined, '', '').reason!, /left the Slurm queue/);
    assert.match(explainEnd('CANCELLED', 'None', '').reason!, /cancelled outside Baton/);
  });
});
