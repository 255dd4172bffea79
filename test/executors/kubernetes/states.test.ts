// Reading Job and pod states: when an element has ended, and why one that wrote no result did.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { elementEnded, explainEnd, hasIndex } from '../../../src/executors/kubernetes/index.ts';
import { podRefusal, podUnschedulable } from '../../../src/executors/kubernetes/states.ts';

function job(status: V1Job['status'], name = 'baton-fit-b1'): V1Job {
  return { metadata: { name }, status };
}

function failed(reason: string, message: string): V1Job {
  return job({ conditions: [{ type: 'Failed', status: 'True', reason, message }] });
}

function pod(terminated: { exitCode: number; reason?: string }, extra: Partial<V1Pod['status']> = {}): V1Pod {
  return {
    metadata: { name: 'baton-fit-b1-0-abcde' },
    status: {
      phase: 'Failed',
      containerStatuses: [
        { name: 'baton', image: 'app:1', imageID: '', ready: false, restartCount: 0, state: { terminated } },
      ],
      ...extra,
    },
  };
}

describe('kubernetes states', () => {
  test('index sets as the Job status writes them', () => {
    assert.ok(hasIndex('0-3,5,7-8', 0));
    assert.ok(hasIndex('0-3,5,7-8', 3));
    assert.ok(hasIndex('0-3,5,7-8', 5));
    assert.ok(hasIndex('0-3,5,7-8', 8));
    assert.ok(!hasIndex('0-3,5,7-8', 4));
    assert.ok(!hasIndex('0-3,5,7-8', 9));
    assert.ok(!hasIndex('', 0));
    assert.ok(!hasIndex(undefined, 0));
  });

  test('an element ends when its index completes or fails, or the Job ends', () => {
    assert.ok(elementEnded(job({ completedIndexes: '0-2' }), 1));
    assert.ok(elementEnded(job({ failedIndexes: '4' }), 4));
    assert.ok(!elementEnded(job({ completedIndexes: '0-2', failedIndexes: '4' }), 3));
    assert.ok(elementEnded(failed('DeadlineExceeded', 'Job was active longer than specified deadline'), 3));
    assert.ok(
      elementEnded(
        job({ conditions: [{ type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded' }] }),
        3,
      ),
    );
    assert.ok(!elementEnded(job({ conditions: [{ type: 'Suspended', status: 'True' }] }), 3));
  });

  test('a container OOMKilled is a memory kill, with the log tail', () => {
    const exit = explainEnd({
      job: job({}),
      pod: pod({ exitCode: 137, reason: 'OOMKilled' }),
      log: 'allocating',
    });
    assert.equal(exit.memoryKilled, true);
    assert.equal(exit.logTail, 'allocating');
  });

  test("the Job's deadline is a time limit", () => {
    const exit = explainEnd({
      job: failed('DeadlineExceeded', 'Job was active longer than specified deadline'),
      pod: undefined,
      log: '',
    });
    assert.equal(exit.timedOut, true);
  });

  test('a pod that exited without a result says its exit code and how its Job ended', () => {
    const exit = explainEnd({
      job: failed('FailedIndexes', 'Job has failed indexes'),
      pod: pod({ exitCode: 2 }),
      log: 'baton oneshot: cannot read the job list',
    });
    assert.equal(exit.exitCode, 2);
    assert.match(
      exit.reason!,
      /pod baton-fit-b1-0-abcde exited with code 2; Job baton-fit-b1 failed: FailedIndexes/,
    );
    assert.equal(exit.logTail, 'baton oneshot: cannot read the job list');
  });

  test('an evicted pod and a Job deleted outside Baton say so', () => {
    const evicted = explainEnd({
      job: undefined,
      pod: pod(
        { exitCode: 143 },
        {
          conditions: [
            { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'drain' },
          ],
        },
      ),
      log: '',
    });
    assert.match(
      evicted.reason!,
      /was disrupted \(EvictionByEvictionAPI: drain\); its Job was deleted outside Baton/,
    );
    assert.equal(evicted.logTail, undefined);
  });

  test('a pod that cannot start, and one no node has room for yet, in the kubelet and scheduler words', () => {
    const waiting: V1Pod = {
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'baton',
            image: 'app:1',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "app:1"' } },
          },
        ],
      },
    };
    assert.equal(podRefusal(waiting), 'ImagePullBackOff: Back-off pulling image "app:1"');
    const pending: V1Pod = {
      status: {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/3 nodes are available',
          },
        ],
      },
    };
    assert.equal(podRefusal(pending), undefined);
    assert.equal(podUnschedulable(pending), '0/3 nodes are available');
    assert.equal(podUnschedulable(waiting), undefined);
  });
});
