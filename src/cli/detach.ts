// `baton run --detach`: the same `baton run` without --detach, started as a detached child that
// outlives the terminal, its output in .baton/runs/ID.log. The execution id is made here and handed
// down, and this process returns once the child has recorded the execution under it, so that
// `baton result ID` and `baton cancel ID` work the moment the id is printed.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatonConfig } from '../config/index.ts';
import { UsageError } from '../errors.ts';
import { newId, type Store } from '../store/index.ts';
import type { CliContext } from './args.ts';
import { displayPath } from './report.ts';
import { openExistingStore } from './store-access.ts';

/** Hands the execution id from `baton run --detach` to the `baton run` it starts. */
export const EXECUTION_ID_ENV = 'BATON_EXECUTION_ID';

/** How long to wait for the child to record its execution before leaving it be. */
const START_TIMEOUT_MS = 60_000;
const POLL_MS = 100;

/** Where the output of a detached run goes. */
export function runLogPath(config: BatonConfig, executionId: string): string {
  return join(config.root, '.baton', 'runs', `${executionId}.log`);
}

/**
 * The execution id a detached parent handed down, taken out of the environment so that tasks and
 * runs started from this one do not inherit it.
 */
export function takeHandedDownId(env: NodeJS.ProcessEnv): string | undefined {
  const id = env[EXECUTION_ID_ENV];
  delete env[EXECUTION_ID_ENV];
  delete process.env[EXECUTION_ID_ENV];
  if (id === undefined) return undefined;
  if (!/^[0-9a-z]{26}$/.test(id)) {
    throw new UsageError(`${EXECUTION_ID_ENV} '${id}' is not an execution id`, {
      hint: `unset ${EXECUTION_ID_ENV}; baton run --detach sets it for the run it starts`,
    });
  }
  return id;
}

/** `args` without Baton's own --detach (a task parameter after `--` stays). */
function withoutDetach(args: readonly string[]): string[] {
  const end = args.indexOf('--');
  const own = end < 0 ? args : args.slice(0, end);
  return [...own.filter((arg) => arg !== '--detach'), ...(end < 0 ? [] : args.slice(end))];
}

/** The command line of this CLI run again: the same Node options and the same entry module. */
function childCommand(args: readonly string[], ctx: CliContext): string[] {
  // This module's own extension: main.ts from the source, main.js when built.
  const entry = fileURLToPath(new URL(`./main${extname(import.meta.url)}`, import.meta.url));
  const nodeOptions = process.execArgv.filter((arg) => !arg.startsWith('--inspect'));
  const globals = [
    ...(ctx.globals.configPath === undefined ? [] : ['--config', ctx.globals.configPath]),
    ...(ctx.globals.verbose ? ['--verbose'] : []),
  ];
  return [...nodeOptions, entry, ...globals, 'run', ...withoutDetach(args)];
}

/** Starts the run in the background; prints its execution id once the run has recorded it. */
export async function startDetached(args: string[], ctx: CliContext, config: BatonConfig): Promise<number> {
  const id = newId();
  const logPath = runLogPath(config, id);
  mkdirSync(join(logPath, '..'), { recursive: true });
  const log = openSync(logPath, 'a');
  let child;
  try {
    child = spawn(process.execPath, childCommand(args, ctx), {
      cwd: ctx.cwd,
      env: { ...ctx.env, [EXECUTION_ID_ENV]: id },
      detached: true,
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
  child.unref();
  let exit: { code: number | null } | undefined;
  child.once('exit', (code) => (exit = { code }));
  const shownLog = displayPath(logPath, ctx.cwd);
  let store: Store | undefined;
  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const exited = exit;
      store ??= await openExistingStore(config);
      if (await store?.getExecution(id)) break;
      if (exited) {
        // It ended before recording the execution: what it printed says why.
        const output = readFileSync(logPath, 'utf8');
        ctx.err(output.endsWith('\n') || output === '' ? output : `${output}\n`);
        ctx.err(`baton: the background run ended before it started (its output is in ${shownLog})\n`);
        return exited.code === 0 || exited.code === null ? 1 : exited.code;
      }
      if (Date.now() > deadline) {
        ctx.err(
          `baton: the background run (pid ${child.pid}) has not recorded execution ${id} after ${START_TIMEOUT_MS / 1000}s; it may still be loading the workflow — see ${shownLog}\n`,
        );
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await store?.close();
  }
  ctx.out(`${id}\n`);
  ctx.err(
    `baton: running in the background as execution ${id} (pid ${child.pid}), output in ${shownLog} — ` +
      `baton result ${id} --wait prints its result; baton cancel ${id} stops it\n`,
  );
  return 0;
}
