// Points in time on the command line: durations back from now, and dates in local time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { parseDurationMs, parsePointInTime } from '../../src/cli/when.ts';

const NOW = new Date(2025, 5, 15, 12, 0, 0).getTime();

test('durations count back from now, in any mix of units', () => {
  assert.equal(parsePointInTime('2h', '--since', NOW), NOW - 2 * 3_600_000);
  assert.equal(parsePointInTime('1h30m', '--since', NOW), NOW - 90 * 60_000);
  assert.equal(parsePointInTime('7d', '--since', NOW), NOW - 7 * 86_400_000);
  assert.equal(parsePointInTime('2w', '--older-than', NOW), NOW - 14 * 86_400_000);
  assert.equal(parseDurationMs('90s'), 90_000);
  assert.equal(parseDurationMs('2025'), undefined, 'a bare number is not a duration');
});

test('dates are local time; a zone, when given, is honoured', () => {
  assert.equal(parsePointInTime('2025-01-31', '--since', NOW), new Date(2025, 0, 31).getTime());
  assert.equal(parsePointInTime('2025-01-31 14:05', '--since', NOW), new Date(2025, 0, 31, 14, 5).getTime());
  assert.equal(
    parsePointInTime('2025-01-31T14:05:09', '--since', NOW),
    new Date(2025, 0, 31, 14, 5, 9).getTime(),
  );
  assert.equal(parsePointInTime('2025-01-31T14:05:00Z', '--since', NOW), Date.UTC(2025, 0, 31, 14, 5));
});

test('anything else is a usage error naming the option and the forms it takes', () => {
  for (const text of ['yesterday', '2025', '5 hours', '2025-13-45']) {
    assert.throws(
      () => parsePointInTime(text, '--since', NOW),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message === `--since '${text}' is neither a duration nor a date` &&
        /2h, 30m, 7d or 2w/.test(error.hint ?? ''),
    );
  }
});
