// Retrying AWS calls: throttling and failures on the way are tried again after jittered waits;
// a refusal of the request itself is not.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isThrottling,
  jitteredDelay,
  withRetries,
  type RetryPolicy,
} from '../../../src/executors/aws-batch/index.ts';

const QUICK: RetryPolicy = { throttledAttempts: 5, transientAttempts: 3, baseMs: 1, capMs: 4 };

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
}

/** A call that fails with `errors` in turn, then answers 'ok'. */
function failing(errors: Error[]): { call: () => Promise<string>; calls: () => number } {
  let count = 0;
  return {
    call: async () => {
      const error = errors[count++];
      if (error) throw error;
      return 'ok';
    },
    calls: () => count,
  };
}

describe('AWS call retries', () => {
  test('ThrottlingException (400), TooManyRequestsException and HTTP 429 count as throttling', () => {
    assert.ok(isThrottling(awsError('ThrottlingException', 400)));
    assert.ok(isThrottling(awsError('TooManyRequestsException', 429)));
    assert.ok(isThrottling(awsError('SomethingElse', 429)));
    assert.ok(!isThrottling(awsError('ClientException', 400)));
  });

  test('a throttled call is tried again until it succeeds, and each retry is heard', async () => {
    const { call, calls } = failing([
      awsError('ThrottlingException', 400),
      awsError('TooManyRequestsException', 429),
    ]);
    const heard: number[] = [];
    assert.equal(
      await withRetries(call, { policy: QUICK, onRetry: (_e, attempt) => heard.push(attempt) }),
      'ok',
    );
    assert.equal(calls(), 3);
    assert.deepEqual(heard, [1, 2]);
  });

  test('throttling that never lets up fails after the policy has run out, with the last error', async () => {
    const { call, calls } = failing(Array.from({ length: 10 }, () => awsError('ThrottlingException', 400)));
    await assert.rejects(withRetries(call, { policy: QUICK }), /ThrottlingException happened/);
    assert.equal(calls(), QUICK.throttledAttempts);
  });

  test('a refused request (ClientException) is not tried again; a server error is', async () => {
    const refused = failing([awsError('ClientException', 400)]);
    await assert.rejects(withRetries(refused.call, { policy: QUICK }), /ClientException/);
    assert.equal(refused.calls(), 1);
    const server = failing([awsError('ServerException', 500)]);
    assert.equal(await withRetries(server.call, { policy: QUICK }), 'ok');
  });

  test('waits are drawn between 0 and a ceiling that doubles up to the cap', () => {
    const policy: RetryPolicy = { ...QUICK, baseMs: 100, capMs: 1000 };
    assert.equal(
      jitteredDelay(1, policy, () => 0.999999),
      100,
    );
    assert.equal(
      jitteredDelay(3, policy, () => 0.999999),
      400,
    );
    assert.equal(
      jitteredDelay(9, policy, () => 0.999999),
      1000,
    );
    assert.equal(
      jitteredDelay(9, policy, () => 0),
      0,
    );
  });
});
