// The list an array job's elements read (`baton oneshot --list KEY`): line i holds the eval hashes
// element i runs, one after another in one process.
import type { Scratch } from '../../scratch/index.ts';
import { formatJobList } from '../../worker/index.ts';

/** Writes the job list of an array job under `key`; element i runs the eval hashes of `elements[i]`. */
export async function writeJobList(
  scratch: Scratch,
  key: string,
  elements: readonly (readonly string[])[],
): Promise<void> {
  await scratch.put(key, new TextEncoder().encode(formatJobList(elements)));
}

/** `count` calls split into at most `elements` runs of consecutive calls, as even as can be. */
export function spreadCalls<T>(calls: readonly T[], elements: number): T[][] {
  const count = Math.max(1, Math.min(elements, calls.length));
  const spread: T[][] = [];
  for (let i = 0; i < count; i++) {
    spread.push(
      calls.slice(Math.floor((i * calls.length) / count), Math.floor(((i + 1) * calls.length) / count)),
    );
  }
  return spread;
}
