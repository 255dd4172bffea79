// What AWS's errors mean for trying again (the jittered retry itself is remote/retry.ts): a refusal
// for the rate (ThrottlingException, TooManyRequestsException, HTTP 429) or a failure on the way (5xx,
// a dropped connection) is worth another try; any other refusal is not.
import type { RetryVerdict } from '../remote/retry.ts';

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

/** The `classify` of remote/retry.ts for AWS SDK errors. */
export function classifyAwsError(error: unknown): RetryVerdict {
  if (isThrottling(error)) return { kind: 'throttled' };
  if (isTransient(error)) return { kind: 'transient' };
  return undefined;
}
