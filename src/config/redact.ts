// Hides secrets in options before they are printed (`baton executors`, Executor.describe, logs).

const MASK = '***';

/** Words that mark a key as holding a secret; singular only, since `max_tokens` or `secrets` (names) are not. */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'key',
  'apikey',
  'credential',
  'credentials',
  'authorization',
]);

/** Whether a key such as `password`, `api_key`, `sessionToken` or `AWS_SECRET_ACCESS_KEY` names a secret. */
export function isSecretKey(key: string): boolean {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((word) => SECRET_WORDS.has(word));
}

// scheme://authority: the authority ends at the first '/', '?', '#' or whitespace.
const URL_AUTHORITY = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/?#]*)/g;
const QUERY_PARAM = /([?&;])([^=&#\s]+)=([^&#\s]*)/g;

/** Masks the password in every URL of a string (`redis://:pw@host` → `redis://:***@host`) and secret query parameters. */
function redactUrls(text: string): string {
  if (!text.includes('://')) return text;
  const masked = text.replace(URL_AUTHORITY, (whole, scheme: string, authority: string) => {
    // The last '@' ends the user info, so an unencoded '@' in a password is masked too.
    const at = authority.lastIndexOf('@');
    if (at < 0) return whole;
    const userInfo = authority.slice(0, at);
    const colon = userInfo.indexOf(':');
    if (colon < 0 || colon === userInfo.length - 1) return whole;
    return `${scheme}${userInfo.slice(0, colon)}:${MASK}${authority.slice(at)}`;
  });
  return masked.replace(QUERY_PARAM, (whole, separator: string, name: string, value: string) =>
    value !== '' && isSecretKey(name) ? `${separator}${name}=${MASK}` : whole,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with secrets masked as `***`: the value of every key named like a password, secret,
 * token, key or credentials, and the password inside every URL. Other values are returned as they are.
 */
export function redact(value: string): string;
export function redact(value: unknown): unknown;
export function redact(value: unknown): unknown {
  if (typeof value === 'string') return redactUrls(value);
  if (Array.isArray(value)) return value.map((item: unknown) => redact(item));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const hidden = isSecretKey(key) && item !== undefined && item !== null && item !== '';
    out[key] = hidden ? MASK : redact(item);
  }
  return out;
}
