// The shapes an execution works with: its settings, and the nodes of its job tree.
import type { Store } from '../store/index.ts';
import type { TaskDef } from '../task/index.ts';
import type { JobRunner } from './attempts.ts';
import type { ChildCallHashes } from './child-hashes.ts';
import type { PreparedTasks } from './prepared.ts';
import type { SchedulerEvent } from './events.ts';
import type { Speculator } from './speculation.ts';

export type CacheMode = 'backend' | 'execution' | 'none';

/** One call in the job tree, kept small: a million of them may be alive. */
export interface JobNode {
  readonly id: string;
  readonly def: TaskDef;
  readonly parent: JobNode | undefined;
  readonly args: readonly unknown[] | undefined;
  childCallHashes?: ChildCallHashes;
}

export interface ExecutionSettings {
  id: string;
  store: Store;
  cacheMode: CacheMode;
  dryRun: boolean;
  /** Each task's resolved options and hash (executor defaults and `-o` overrides applied). */
  prepared: PreparedTasks;
  runner: JobRunner;
  signal: AbortSignal;
  emit(event: SchedulerEvent): void;
  /** Someone wants every job event (an `onEvent` callback); otherwise only cached and would-run ones are emitted. */
  listening: boolean;
  newId(): string;
  /** Backup attempts for stragglers (map turns it on). */
  speculation?: Speculator | undefined;
}
