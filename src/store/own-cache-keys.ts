// The cache entries one store wrote itself, as a Bloom filter: while the database holds no entry but
// these, a lookup of an eval hash the filter has never seen is a miss known without reading SQLite.
const BITS = 2 ** 24;
/** Hex digits per probe: 24 bits each, three probes from the first 18 digits of the hash. */
const DIGITS = 6;
const PROBES = 3;

/** The value of a lowercase hex digit, or -1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * 2 MiB of bits, allocated on the first entry; with a million entries about 1 lookup in 200 is a
 * false "might hold" (which only costs the read the filter saves otherwise). Keys are sha256 hex, so
 * their digits are already uniform: the probes are slices of the key, not further hashes.
 */
export class OwnCacheKeys {
  private bits: Uint8Array | undefined;

  add(evalHash: string): void {
    const bits = (this.bits ??= new Uint8Array(BITS / 8));
    for (let probe = 0; probe < PROBES; probe++) {
      const bit = probeAt(evalHash, probe);
      // A key that is not a sha256 in hex cannot be ruled out later: it marks every probe position.
      if (bit < 0) {
        bits.fill(0xff);
        return;
      }
      bits[bit >>> 3] = bits[bit >>> 3]! | (1 << (bit & 7));
    }
  }

  /** False only when `evalHash` was certainly never added. */
  mightHold(evalHash: string): boolean {
    const bits = this.bits;
    if (!bits) return false;
    for (let probe = 0; probe < PROBES; probe++) {
      const bit = probeAt(evalHash, probe);
      if (bit < 0) return true;
      if ((bits[bit >>> 3]! & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }
}

function probeAt(key: string, probe: number): number {
  if (key.length !== 64) return -1;
  let bit = 0;
  for (let i = probe * DIGITS; i < (probe + 1) * DIGITS; i++) {
    const digit = hexDigit(key.charCodeAt(i));
    if (digit < 0) return -1;
    bit = bit * 16 + digit;
  }
  return bit;
}
