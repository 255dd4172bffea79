// Time-ordered unique ids (ULID layout, lowercase Crockford base32): 10 characters of milliseconds
// then 16 of randomness, incremented within one millisecond so ids sort in creation order.
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const HIGH_RANGE = 2 ** 40;
const MID_RANGE = 2 ** 30;
const TAIL_RANGE = 2 ** 10;

// Every 2-character suffix, so the common case (same millisecond) costs one lookup and one concat.
const PAIRS = Array.from({ length: TAIL_RANGE }, (_, i) => ALPHABET[i >> 5]! + ALPHABET[i & 31]!);

// The 80 random bits as 40 + 30 + 10, each exact in a double; `stem` caches all but the last 10.
let lastTime = -1;
let timePart = '';
let high = 0;
let mid = 0;
let tail = 0;
let stem = '';

// Random words are drawn from the CSPRNG 3 KiB at a time: a draw per id (one per new millisecond) cost
// more than the rest of newId together.
const RANDOM_POOL_WORDS = 768;
const randomPool = new Uint32Array(RANDOM_POOL_WORDS);
let randomAt = RANDOM_POOL_WORDS;

function randomWord(): number {
  if (randomAt === RANDOM_POOL_WORDS) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  return randomPool[randomAt++]!;
}

function encode(value: number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function reseed(): void {
  const first = randomWord();
  high = (first & 0xff) * 2 ** 32 + randomWord();
  mid = randomWord() >>> 2;
  tail = (first >>> 8) & 0x3ff;
  stem = timePart + encode(high, 8) + encode(mid, 6);
}

function carry(): void {
  tail = 0;
  mid += 1;
  if (mid === MID_RANGE) {
    mid = 0;
    high = (high + 1) % HIGH_RANGE;
  }
  stem = timePart + encode(high, 8) + encode(mid, 6);
}

/** A new 26-character id; ids made later (in this process) sort after ids made earlier. */
export function newId(): string {
  const now = Date.now();
  if (now > lastTime) {
    lastTime = now;
    timePart = encode(now, 10);
    reseed();
  } else if (++tail === TAIL_RANGE) {
    carry();
  }
  return stem + PAIRS[tail]!;
}

/** The creation time (ms since the epoch) encoded in an id made by `newId()`. */
export function idTime(id: string): number {
  let value = 0;
  for (let i = 0; i < 10; i++) {
    const digit = ALPHABET.indexOf(id[i] ?? '');
    if (digit < 0) return Number.NaN;
    value = value * 32 + digit;
  }
  return value;
}
