// From the `scratch` option of an executor section to a Scratch.
import { ScratchError } from '../errors.ts';
import { FsScratch } from './fs-scratch.ts';
import { S3Scratch, type S3ScratchOptions } from './s3-scratch.ts';
import type { Scratch } from './types.ts';

export interface OpenScratchOptions {
  /** Where relative folder paths start. @default process.cwd() */
  cwd?: string | undefined;
  /** For `s3://` scratch: endpoint, path-style addressing, region, credentials. */
  s3?: S3ScratchOptions | undefined;
}

/** A folder path (relative to `cwd`), a `file://` URL, or `s3://bucket/prefix`. Other schemes are refused, by name. */
export function openScratch(uri: string, options: OpenScratchOptions = {}): Scratch {
  if (uri.startsWith('file://')) return new FsScratch(new URL(uri).pathname, options.cwd);
  if (uri.startsWith('s3://')) return new S3Scratch(uri, options.s3);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1];
  if (scheme !== undefined) {
    throw new ScratchError(
      `scratch '${uri}': the ${scheme}:// scheme is not supported`,
      { uri },
      {
        hint: 'give a folder path (shared by every node that runs jobs), a file:// URL or s3://bucket/prefix',
      },
    );
  }
  return new FsScratch(uri, options.cwd);
}
