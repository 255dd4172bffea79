// The far side checks that the bytes it fetched are the package it was asked to run.
import { ExecutorError } from '../errors.ts';
import { sha256 } from '../hash/index.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Throws ExecutorError unless `bytes` hash (sha256, hex) to `expectedHash`. */
export function verifyCodePackage(bytes: Uint8Array, expectedHash: string): void {
  if (!SHA256_HEX.test(expectedHash)) {
    throw new ExecutorError(
      `code package hash "${expectedHash}" is not a sha256 hex digest (64 lowercase hex digits)`,
      undefined,
      { hint: 'pass the hash that buildCodePackage returned' },
    );
  }
  const actual = sha256(bytes);
  if (actual !== expectedHash) {
    throw new ExecutorError(
      `code package ${expectedHash} failed verification: its ${bytes.byteLength} bytes hash to ${actual}`,
      undefined,
      {
        hint: 'the copy in scratch is damaged or was replaced; delete code/<hash>.tar.gz from scratch so the next run uploads it again',
      },
    );
  }
}
