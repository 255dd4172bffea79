// How a local worker's exit reads in an error message.
import type { WorkerExit } from './runtime.ts';

/** What happened to a worker that went on its own, in words for an error message. */
export function describeExit(exit: WorkerExit, memoryMb: number | undefined, ready: boolean): string {
  const early = ready ? '' : ' before it was ready';
  if (exit.outOfMemory) {
    const limit =
      memoryMb === undefined ? "Node's default heap limit" : `its memory limit of ${memoryMb} MiB`;
    return `worker ran out of memory (${limit})${early}`;
  }
  if (exit.error) return `worker crashed with ${exit.error.name}: ${exit.error.message}${early}`;
  if (exit.signal) return `worker was killed by ${exit.signal}${early}`;
  return `worker exited with code ${exit.code ?? 'unknown'}${early}`;
}
