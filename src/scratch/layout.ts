// Where things live in a scratch (DESIGN.md section 3): jobs/<eval hash>/{input,output,error,status}
// and code/<sha256>.tar.gz. Keys are checked, so a bad hash can never name a place outside the scratch.
import { ScratchError } from '../errors.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Segments of letters, digits, `.`, `_` and `-`, joined by `/`; never `.` or `..` alone. */
const SAFE_KEY = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

export type JobFile = 'input' | 'output' | 'error' | 'status';

function hashPart(what: string, hash: string, uri: string): string {
  if (!SHA256_HEX.test(hash)) {
    throw new ScratchError(`${what} '${hash}' is not a sha256 in hex, so it cannot name a scratch key`, {
      uri,
    });
  }
  return hash;
}

/** The keys of one scratch. `uri` only makes the errors name the scratch. */
export function scratchLayout(uri = '<scratch>') {
  return {
    jobFolder: (evalHash: string) => `jobs/${hashPart('eval hash', evalHash, uri)}/`,
    job: (evalHash: string, file: JobFile) => `jobs/${hashPart('eval hash', evalHash, uri)}/${file}`,
    codePackage: (sha: string) => `code/${hashPart('code package hash', sha, uri)}.tar.gz`,
  };
}

/** Throws a ScratchError unless `key` is a relative key of safe segments (no `..`, no leading `/`). */
export function checkKey(key: string, uri: string): void {
  if (!SAFE_KEY.test(key)) {
    throw new ScratchError(
      `scratch key '${key}' is not allowed`,
      { uri, key },
      {
        hint: 'keys are relative, made of letters, digits, ".", "_", "-" and "/", without "." or ".." segments',
      },
    );
  }
}

/** Like checkKey, for a list prefix: empty, or a safe key, optionally ending in `/`. */
export function checkPrefix(prefix: string, uri: string): void {
  if (prefix === '') return;
  checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, uri);
}
