// Calls to a cloud API that the service refused for their rate (HTTP 429, a throttling error) or that
// failed on the way (5xx, a dropped connection) are tried again after a jittered, growing wait, never
// sooner than the service asked (Retry-After): callers refused together do not all come back at once.
// Each API says what its errors mean through `classify`.
import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Tries in all for a throttled call. */
  throttledAttempts: number;
  /** Tries in all for a call that failed on the way. */
  transientAttempts: number;
  /** First wait's ceiling, in ms; it doubles each time up to `capMs`. */
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  throttledAttempts: 10,
  transientAttempts: 4,
  baseMs: 250,
  capMs: 20_000,
};

/** What a failed call's error says about trying again; undefined: do not. */
export type RetryVerdict = { kind: 'throttled' | 'transient'; afterMs?: number | undefined } | undefined;

/** Full jitter: a wait drawn evenly from 0 to the attempt's ceiling. */
export function jitteredDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  return Math.round(random() * Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1)));
}

/**
 * Runs `call` until it succeeds, `classify` says an error is not worth another try, or the tries run
 * out; `onRetry` hears each retry (for a log line). The last error is thrown as it came.
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  options: {
    classify: (error: unknown) => RetryVerdict;
    policy?: RetryPolicy | undefined;
    onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  },
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const verdict = options.classify(error);
      const limit =
        verdict?.kind === 'throttled'
          ? policy.throttledAttempts
          : verdict?.kind === 'transient'
            ? policy.transientAttempts
            : 1;
      if (attempt >= limit) throw error;
      const delay = (verdict?.afterMs ?? 0) + jitteredDelay(attempt, policy);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
