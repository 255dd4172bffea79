// Points in time given on the command line (`--since 2h`, `--older-than 30d`, `--since 2025-01-31`):
// a duration back from now, or a date in local time.
import { UsageError } from '../errors.ts';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

/** `2h`, `1h30m`, `7d`, `2w` in ms; undefined when `text` is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}

/** The duration an option such as `--timeout 10m` gives, in ms; `fallback` when the option is not given. */
export function parseTimeout(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  const ms = parseDurationMs(text);
  if (ms === undefined) {
    throw new UsageError(`${option} '${text}' is not a duration`, { hint: 'write e.g. 90s, 10m or 2h' });
  }
  return ms;
}

/**
 * The time `text` names, in ms since the epoch: a duration counts back from `now`; a date without a
 * time is local midnight; `2025-01-31 14:00` is local time; other forms are what Date.parse reads
 * (ISO 8601 with a zone).
 */
export function parsePointInTime(text: string, option: string, now = Date.now()): number {
  const trimmed = text.trim();
  const duration = parseDurationMs(trimmed);
  if (duration !== undefined) return now - duration;
  const day = DAY.exec(trimmed);
  let time: number;
  if (day) {
    const date = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    // Date rolls 2025-13-45 over into 2026; a date that does not exist is refused instead.
    time =
      date.getMonth() === Number(day[2]) - 1 && date.getDate() === Number(day[3])
        ? date.getTime()
        : Number.NaN;
  } else if (LOCAL_TIME.test(trimmed)) time = new Date(trimmed.replace(' ', 'T')).getTime();
  else time = /^\d{4}-/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(`${option} '${text}' is neither a duration nor a date`, {
      hint: `write a duration back from now such as ${option} 2h, 30m, 7d or 2w, or a date such as ${option} 2025-01-31 or '2025-01-31 14:00'`,
    });
  }
  return time;
}
