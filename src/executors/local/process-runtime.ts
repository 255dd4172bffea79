// Workers as child processes: `fork` with the advanced (structured clone) serialization, stdout and
// stderr piped to the parent, and the parent's module-resolution flags passed on.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PROCESS_ENTRY, type WorkerMessage } from '../../worker/index.ts';
import type { SpawnOptions, WorkerHandle, WorkerRuntime } from './runtime.ts';

/** Flags that change how modules resolve and load (or how errors show); a worker needs the same. */
const INHERITED = [
  /^--conditions(=|$)/,
  /^-C$/,
  /^--(import|require|loader|experimental-loader)(=|$)/,
  /^-r$/,
  /^--(no-)?experimental-/,
  /^--(no-)?(warnings|deprecation|addons|global-search-paths)$/,
  /^--(disable-warning|unhandled-rejections|stack-trace-limit|max-semi-space-size|stack-size)(=|$)/,
  /^--(enable-source-maps|preserve-symlinks|preserve-symlinks-main|expose-gc|trace-warnings|trace-uncaught|pending-deprecation|throw-deprecation)$/,
  /^--(input-type|disable-proto|max-old-space-size)=/,
];
/** Flags whose value is the next argument when written without `=`. */
const TAKES_VALUE =
  /^(-C|-r|--conditions|--import|--require|--loader|--experimental-loader|--disable-warning)$/;
const HEAP_LIMIT = /^--max-old-space-size(=|$)/;

/** The parent's flags a worker process must share, with its own heap limit when it has one. */
export function workerExecArgv(parentArgv: readonly string[], memoryMb: number | undefined): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parentArgv.length; i++) {
    const flag = parentArgv[i]!;
    const value = !flag.includes('=') && TAKES_VALUE.test(flag) ? parentArgv[++i] : undefined;
    if (memoryMb !== undefined && HEAP_LIMIT.test(flag)) continue;
    if (!INHERITED.some((pattern) => pattern.test(flag))) continue;
    kept.push(flag);
    if (value !== undefined) kept.push(value);
  }
  if (memoryMb !== undefined) kept.push(`--max-old-space-size=${memoryMb}`);
  return kept;
}

/** What V8 prints before it aborts a process whose heap is full. */
const HEAP_OOM = /JavaScript heap out of memory|Reached heap limit|Ineffective mark-compacts near heap limit/;
/** How long to wait, after a worker exits, for the last of its output (the OOM message among it). */
const OUTPUT_GRACE_MS = 200;

function spawnProcess(options: SpawnOptions): WorkerHandle {
  const child: ChildProcess = fork(fileURLToPath(PROCESS_ENTRY), [...(options.preload ?? [])], {
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: workerExecArgv(process.execArgv, options.memoryMb),
  });
  let error: Error | undefined;
  let outOfMemory = false;
  let exited: { code: number | null; signal: string | null } | undefined;
  let reported = false;
  let markGone!: () => void;
  const gone = new Promise<void>((resolve) => (markGone = resolve));

  const report = () => {
    if (reported || !exited) return;
    reported = true;
    options.onExit({ ...exited, outOfMemory, error });
  };
  child.on('message', (message) => options.onMessage(message as WorkerMessage));
  child.stdout?.on('data', (chunk: Uint8Array) => options.onOutput(chunk));
  child.stderr?.on('data', (chunk: Buffer) => {
    if (!outOfMemory && HEAP_OOM.test(chunk.toString('latin1'))) outOfMemory = true;
    options.onOutput(chunk);
  });
  child.on('error', (thrown) => {
    error ??= thrown;
    // A fork that failed to start emits no 'exit'.
    if (child.pid === undefined) {
      markGone();
      exited = { code: null, signal: null };
      report();
    }
  });
  child.once('exit', (code, signal) => {
    markGone();
    exited = { code, signal };
    setTimeout(report, OUTPUT_GRACE_MS).unref();
  });
  child.once('close', report);

  const streams = [child.stdout, child.stderr] as Array<{ ref?: () => void; unref?: () => void } | null>;
  const keepAlive = (active: boolean) => {
    // The IPC channel and the output pipes each hold the event loop open on their own.
    if (active) {
      child.ref();
      child.channel?.ref();
      for (const stream of streams) stream?.ref?.();
    } else {
      child.unref();
      child.channel?.unref();
      for (const stream of streams) stream?.unref?.();
    }
  };
  return {
    id: `process-${child.pid ?? 'unstarted'}`,
    send: (batch) => {
      if (child.connected) child.send(batch);
      return false;
    },
    terminate: async () => {
      keepAlive(true); // an idle worker is unref'd, and its end must still be awaited
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await gone;
    },
    keepAlive,
  };
}

export const processRuntime: WorkerRuntime = { mode: 'processes', spawn: spawnProcess };
