// Which AWS errors are worth another try: throttling and failures on the way are, with the shared
// jittered retry (remote/retry.ts); a refusal of the request itself is not.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyAwsError, isThrottling } from '../../../src/executors/aws-batch/index.ts';
import { withRetries, type RetryPolicy } from '../../../src/executors/remote/retry.ts';

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

describe('AWS errors and retries', () => {
  test('ThrottlingException (400), TooManyRequestsException and HTTP 429 count as throttling', () => {
    assert.ok(isThrottling(awsError('ThrottlingException', 400)));
    assert.ok(isThrottling(awsError('TooManyRequestsException', 429)));
    assert.ok(isThrottling(awsError('SomethingElse', 429)));
    assert.ok(!isThrottling(awsError('ClientException', 400)));
  });

  test('server errors and dropped connections are transient; a ClientException is final', () => {
    assert.deepEqual(classifyAwsError(awsError('ServerException', 500)), { kind: 'transient' });
    assert.deepEqual(classifyAwsError(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), {
      kind: 'transient',
    });
    assert.equal(classifyAwsError(awsError('ClientException', 400)), undefined);
    assert.equal(classifyAwsError(awsError('AccessDeniedException', 403)), undefined);
  });

  test('a throttled AWS call is tried again until it succeeds', async () => {
    const { call, calls } = failing([
      awsError('ThrottlingException', 400),
      awsError('TooManyRequestsException', 429),
    ]);
    assert.equal(await withRetries(call, { classify: classifyAwsError, policy: QUICK }), 'ok');
    assert.equal(calls(), 3);
  });

  test('a refused AWS call is not tried again', async () => {
    const refused = failing([awsError('ClientException', 400)]);
    await assert.rejects(
      withRetries(refused.call, { classify: classifyAwsError, policy: QUICK }),
      /ClientException/,
    );
    assert.equal(refused.calls(), 1);
  });
});
