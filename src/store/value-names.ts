// The name of a value: the sha256 of its encoded bytes, or, for a value no longer than that hash, the
// bytes themselves (an identity name, as IPFS's identity multihash). A small result then costs no row
// in the values table and no lookup to read back: its cache entry and job record carry it whole.
import { hash } from 'node:crypto';

/** Values of at most this many bytes are named by their bytes and never stored. */
export const IDENTITY_MAX_BYTES = 32;
// Not a hex digit, so an identity name never looks like a stored value's hash.
const IDENTITY_PREFIX = '=';
const STORED_NAME = /^[0-9a-f]{64}$/;
const IDENTITY_NAME = new RegExp(`^${IDENTITY_PREFIX}(?:[0-9a-f]{2}){0,${IDENTITY_MAX_BYTES}}$`);

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The name of a value: `=` and its bytes in hex when it has at most 32, else the sha256 in hex. */
export function valueHash(bytes: Uint8Array): string {
  if (bytes.byteLength > IDENTITY_MAX_BYTES) return hash('sha256', bytes, 'hex');
  let name = IDENTITY_PREFIX;
  for (let i = 0; i < bytes.byteLength; i++) name += HEX_BYTES[bytes[i]!];
  return name;
}

/** Whether a string can be the hash of a stored value (and so is safe to use as a file name). */
export function isValueHash(value: string): boolean {
  return STORED_NAME.test(value);
}

/** The bytes an identity name holds; undefined for any other string. */
export function identityBytes(name: string): Uint8Array | undefined {
  if (!IDENTITY_NAME.test(name)) return undefined;
  return new Uint8Array(Buffer.from(name.slice(IDENTITY_PREFIX.length), 'hex'));
}

/** The size in bytes of the value an identity name holds, as SQL over a column of value names. */
export function identitySizeSql(column: string): string {
  return `((length(${column}) - ${IDENTITY_PREFIX.length}) / 2)`;
}

/** SQL that is true when the column holds an identity name. */
export function isIdentitySql(column: string): string {
  return `substr(${column}, 1, ${IDENTITY_PREFIX.length}) = '${IDENTITY_PREFIX}'`;
}
