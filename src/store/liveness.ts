// Whether an execution recorded as running still has a scheduler behind it. A scheduler writes a
// heartbeat while it runs; on its own host a reader also asks the operating system about the
// recorded process, so a killed run is known at once there, and elsewhere once its heartbeat is stale.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import type { ExecutionRecord, ExecutionStatus } from './types.ts';

/** How often a running scheduler writes its heartbeat and looks for a cancel request, in ms. */
export const HEARTBEAT_INTERVAL = 1_000;

/** A running execution with no sign of life for this long is taken for lost, in ms. */
export const STALE_AFTER = 30_000;

/** What is known of the process that recorded an execution. */
export type ProcessState =
  /** It runs on this host, and its command line is the one recorded: it is the same process. */
  | 'same'
  /** It runs on this host and is gone (or its pid now belongs to another program). */
  | 'gone'
  /** Another host's, or this system cannot tell (no /proc). */
  | 'unknown';

export type Liveness =
  | { state: 'finished' }
  | { state: 'live' }
  /** The record says running, but no scheduler is behind it any more. */
  | { state: 'lost'; reason: string };

/** The state of the process an execution names, judged from this host. */
export function processState(rec: Pick<ExecutionRecord, 'host' | 'pid' | 'argv'>): ProcessState {
  if (rec.host !== hostname() || !(rec.pid > 0)) return 'unknown';
  try {
    process.kill(rec.pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
  }
  let cmdline: string[];
  try {
    cmdline = readFileSync(`/proc/${rec.pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return 'unknown';
  }
  // The recorded argv is process.argv without node: the script (resolved by Node, so compared by its
  // base name) and its arguments end the command line.
  const [script, ...args] = rec.argv;
  if (script === undefined || cmdline.length < rec.argv.length) return 'gone';
  const tail = cmdline.slice(cmdline.length - rec.argv.length);
  const same = basename(tail[0]!) === basename(script) && args.every((arg, i) => arg === tail[i + 1]);
  return same ? 'same' : 'gone';
}

/** Whether a scheduler is still behind `rec`; `now` in ms since the epoch. */
export function executionLiveness(rec: ExecutionRecord, now = Date.now()): Liveness {
  if (rec.status !== 'running') return { state: 'finished' };
  const owner = processState(rec);
  if (owner === 'same') return { state: 'live' };
  if (owner === 'gone') {
    return { state: 'lost', reason: `its process (pid ${rec.pid} on ${rec.host}) is gone` };
  }
  const lastSign = Math.max(rec.startedAt, rec.heartbeatAt ?? 0);
  if (now - lastSign > STALE_AFTER) {
    const seconds = Math.round((now - lastSign) / 1000);
    return {
      state: 'lost',
      reason: `its scheduler (pid ${rec.pid} on ${rec.host}) has given no sign of life for ${seconds}s`,
    };
  }
  return { state: 'live' };
}

/** The status to show: `lost` for a run recorded as running whose scheduler is gone. */
export function shownStatus(rec: ExecutionRecord, now = Date.now()): ExecutionStatus | 'lost' {
  return executionLiveness(rec, now).state === 'lost' ? 'lost' : rec.status;
}
