// From the `scratch` option of an executor section to a Scratch.
import { ScratchError } from '../errors.ts';
import { FsScratch } from './fs-scratch.ts';
import type { Scratch } from './types.ts';

/** A folder path (relative to `cwd`) or a `file://` URL. Other URI schemes are refused, by name. */
export function openScratch(uri: string, options: { cwd?: string } = {}): Scratch {
  if (uri.startsWith('file://')) return new FsScratch(new URL(uri).pathname, options.cwd);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1];
  if (scheme !== undefined) {
    throw new ScratchError(
      `scratch '${uri}': the ${scheme}:// scheme is not supported`,
      { uri },
      {
        hint: 'give a folder path (shared by every node that runs jobs) or a file:// URL',
      },
    );
  }
  return new FsScratch(uri, options.cwd);
}
