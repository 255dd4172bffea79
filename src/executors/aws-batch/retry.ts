// Calls to AWS that the service refused for their rate (ThrottlingException, TooManyRequestsException,
// HTTP 429) or that failed on the way (5xx, a dropped connection) are tried again after a jittered,
// growing wait: many callers that were refused together do not all come back at the same moment.
import { setTimeout as sleep } from 'node:timers/promises';

const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

/** What an AWS SDK error says about itself. */
interface AwsErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

export function isThrottling(error: unknown): boolean {
  const shape = (error ?? {}) as AwsErrorShape;
  return (
    THROTTLING.has(String(shape.name)) ||
    THROTTLING.has(String(shape.code)) ||
    shape.$metadata?.httpStatusCode === 429
  );
}

/** A failure on the way or on the service's side, not a refusal of the request itself. */
export function isTransient(error: unknown): boolean {
  const shape = (error ?? {}) as AwsErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  const code = String(shape.code ?? '');
  return (
    /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|UND_ERR_)/.test(code) ||
    String(shape.name) === 'TimeoutError'
  );
}

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

/** Full jitter: a wait drawn evenly from 0 to the attempt's ceiling. */
export function jitteredDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  return Math.round(random() * Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1)));
}

/**
 * Runs `call` until it succeeds, a refusal that is not about the rate comes back, or the tries run
 * out; `onRetry` hears each retry (for a log line). The last error is thrown as it came.
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  options: {
    policy?: RetryPolicy;
    onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  } = {},
): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const limit = isThrottling(error)
        ? policy.throttledAttempts
        : isTransient(error)
          ? policy.transientAttempts
          : 1;
      if (attempt >= limit) throw error;
      const delay = jitteredDelay(attempt, policy);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
