// Retrying refused and failed cloud API calls with jittered backoff, never sooner than asked.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  jitteredDelay,
  withRetries,
  type RetryPolicy,
  type RetryVerdict,
} from '../../../src/executors/remote/retry.ts';

const fast: RetryPolicy = { throttledAttempts: 4, transientAttempts: 2, baseMs: 4, capMs: 16 };

/** A call that fails with `errors` in turn, then answers 'ok'. */
function failing(errors: unknown[]): { call: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    call: async () => {
      const error = errors[calls++];
      if (error !== undefined) throw error;
      return 'ok';
    },
    calls: () => calls,
  };
}

const byName = (error: unknown): RetryVerdict => {
  const name = (error as Error).name;
  if (name === 'Throttled') return { kind: 'throttled' };
  if (name === 'Dropped') return { kind: 'transient' };
  if (name === 'Wait') return { kind: 'throttled', afterMs: 150 };
  return undefined;
};
const named = (name: string) => Object.assign(new Error(name), { name });

describe('withRetries', () => {
  test('a throttled call is tried again until it passes', async () => {
    const { call, calls } = failing([named('Throttled'), named('Throttled'), named('Throttled')]);
    assert.equal(await withRetries(call, { classify: byName, policy: fast }), 'ok');
    assert.equal(calls(), 4);
  });

  test('a call that failed on the way gets fewer tries than a throttled one, then its error', async () => {
    const { call, calls } = failing([named('Dropped'), named('Dropped'), named('Dropped')]);
    await assert.rejects(withRetries(call, { classify: byName, policy: fast }), { name: 'Dropped' });
    assert.equal(calls(), 2);
  });

  test('a refusal that is not about the rate is not tried again', async () => {
    const { call, calls } = failing([named('Invalid')]);
    await assert.rejects(withRetries(call, { classify: byName, policy: fast }), { name: 'Invalid' });
    assert.equal(calls(), 1);
  });

  test('the wait is never shorter than the server asked (Retry-After)', async () => {
    const { call } = failing([named('Wait')]);
    const delays: number[] = [];
    const started = Date.now();
    await withRetries(call, {
      classify: byName,
      policy: fast,
      onRetry: (_e, _a, delay) => delays.push(delay),
    });
    assert.ok(Date.now() - started >= 150);
    assert.ok(delays[0]! >= 150 && delays[0]! <= 150 + fast.baseMs);
  });
});

test('jittered delays spread between 0 and a ceiling that doubles up to the cap', () => {
  assert.equal(
    jitteredDelay(1, fast, () => 1),
    4,
  );
  assert.equal(
    jitteredDelay(3, fast, () => 1),
    16,
  );
  assert.equal(
    jitteredDelay(10, fast, () => 1),
    16,
  );
  assert.equal(
    jitteredDelay(3, fast, () => 0),
    0,
  );
  assert.equal(
    jitteredDelay(2, fast, () => 0.5),
    4,
  );
});
