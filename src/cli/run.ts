// `baton run FILE TASK [--param value ...]`: evaluates one task call on the configured executors.
import { loadConfig } from '../config/index.ts';
import { CancelledError, UsageError } from '../errors.ts';
import { Scheduler, type CacheMode, type RunOptions } from '../scheduler/index.ts';
import { parameters, resolveTaskOptions, type TaskOptions } from '../task/index.ts';
import { parseCommandArgs, parseValue, wantsHelp, type CliContext, type Command } from './args.ts';
import { renderDryRun, renderResult } from './output.ts';
import { bindArguments, describeParameters, RUN_OPTIONS, splitRunArgs } from './params.ts';
import { ProgressDisplay, progressLogger, progressMode } from './progress.ts';
import { startDetached, takeHandedDownId } from './detach.ts';
import { cancelledExitCode, cancelOnSignals } from './signals.ts';
import { parsePort, startRunDashboard } from './ui.ts';
import { availableTasks, findTask, loadWorkflow } from './workflow.ts';

const HELP = `Usage: baton run FILE TASK [--PARAM VALUE ...] [options]

Evaluates TASK from the workflow module FILE and prints its result on stdout (strings as they are,
plain data as JSON, other values as Node shows them). Progress and logs go to stderr. Every call is
cached by the hash of its code and arguments: running the same command again reuses what finished.

  FILE                       the workflow module, relative to the working directory
  TASK                       a task name, or the name of an export that holds a task
  --PARAM VALUE              a task parameter by name; VALUE is parsed as JSON when it parses
                             (0.5, true, [1,2], "text"), else taken as text. --PARAM alone is true.
                             Repeat a rest parameter's option for each value.
                             After --, every --PARAM goes to the task, even --help.

Options:
  --no-cache                 run every call again (same as --cache none)
  --cache MODE               backend (reuse earlier runs; the default), execution (only within
                             this run) or none
  --dry-run                  list the calls that would run, run nothing
  --no-provenance            record nothing of this run (no history in baton log, nothing cached
                             for later runs); the cache is still read
  --detach                   run in the background: print the execution id and return; the run's
                             output goes to .baton/runs/ID.log. baton result ID [--wait] prints
                             its result, baton cancel ID stops it
  -o, --override KEY=VALUE   override a task option for every task (repeatable), e.g.
                             -o executor=procs -o memory=4; VALUE is parsed as JSON when it parses
  --ui                       serve the dashboard while the run lasts (its URL goes to stderr)
  --ui-port N                the dashboard's port (default 8360, or a free one when it is taken)
  --config PATH              the baton.toml to use
  --verbose                  show stacks on errors
  -h, --help                 this help; with FILE and TASK, the task's parameters

Ctrl-C cancels the run (in-flight jobs are cancelled); a second Ctrl-C quits at once. baton cancel ID
does the same from another terminal, or from another host that shares a PostgreSQL store.
Environment: BATON_PROGRESS=tty|plain|off chooses the progress display.`;

const CACHE_MODES: readonly CacheMode[] = ['backend', 'execution', 'none'];

interface RunSettings {
  cache: CacheMode;
  dryRun: boolean;
  provenance: boolean;
  /** Start the run in the background and return (`--detach`). */
  detach: boolean;
  overrides: TaskOptions | undefined;
  /** Serve the dashboard beside the run; `uiPort` undefined means the default (or any free port). */
  ui: boolean;
  uiPort: number | undefined;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'evaluate a task from a workflow file and print its result',
  help: HELP,
  async run(args, ctx) {
    const split = splitRunArgs(args);
    const help = wantsHelp(split.own);
    const [file, taskName, ...extra] = split.positionals;
    if (help && file === undefined) {
      ctx.out(`${HELP}\n`);
      return 0;
    }
    const own = ownOptions(split.own);
    if (own.detach && (own.dryRun || !own.provenance)) {
      throw new UsageError(`--detach cannot go with ${own.dryRun ? '--dry-run' : '--no-provenance'}`, {
        hint: 'a detached run is found again through its record in the store; run it in the foreground instead',
      });
    }
    if (file === undefined) {
      throw new UsageError('baton run needs a workflow FILE and a TASK', {
        hint: 'write baton run workflow.ts main --param value; see baton run --help',
      });
    }
    if (taskName === undefined) {
      const tasks = availableTasks(await loadWorkflow(file, ctx.cwd));
      if (help) {
        ctx.out(`${HELP}\n\nTasks in ${file}: ${tasks.length > 0 ? tasks.join(', ') : '(none)'}\n`);
        return 0;
      }
      throw new UsageError(`baton run ${file}: which TASK?`, {
        hint: tasks.length > 0 ? `tasks in ${file}: ${tasks.join(', ')}` : `${file} defines no tasks`,
      });
    }
    if (extra.length > 0) {
      throw new UsageError(`baton run: unexpected argument '${extra[0]!}'`, {
        hint: 'task parameters are written --NAME VALUE; see baton run --help',
      });
    }
    if (own.detach && !help) {
      const config = await loadConfig({ configPath: ctx.globals.configPath, cwd: ctx.cwd, env: ctx.env });
      return startDetached(args, ctx, config);
    }
    const executionId = takeHandedDownId(ctx.env);
    const workflow = await loadWorkflow(file, ctx.cwd);
    const chosen = findTask(taskName, workflow);
    const params = parameters(chosen.def.fn);
    if (help) {
      ctx.out(
        `${describeParameters(file, taskName, params).join('\n')}\n\nbaton run --help lists the options of baton run itself.\n`,
      );
      return 0;
    }
    const expr = chosen.call(bindArguments(chosen.def.name, params, split.taskArgs));
    const config = await loadConfig({ configPath: ctx.globals.configPath, cwd: ctx.cwd, env: ctx.env });
    const mode = own.dryRun ? 'off' : progressMode(ctx.env, process.stderr);
    const progress = new ProgressDisplay({ mode, stream: process.stderr });
    const scheduler = new Scheduler({
      config,
      cwd: ctx.cwd,
      logger: progressLogger(progress, ctx.globals.verbose),
    });
    return evaluate(scheduler, progress, expr, { ...own, executionId }, ctx);
  },
};

function ownOptions(args: string[]): RunSettings {
  const { values } = parseCommandArgs('run', args, RUN_OPTIONS);
  let cache: CacheMode = 'backend';
  if (values.cache !== undefined) {
    if (!(CACHE_MODES as readonly string[]).includes(values.cache)) {
      throw new UsageError(`--cache ${values.cache} is not a cache mode`, {
        hint: `use one of ${CACHE_MODES.join(', ')}`,
      });
    }
    cache = values.cache as CacheMode;
  }
  if (values['no-cache']) {
    if (values.cache !== undefined && values.cache !== 'none') {
      throw new UsageError(`--no-cache contradicts --cache ${values.cache}`, { hint: 'give one of them' });
    }
    cache = 'none';
  }
  return {
    cache,
    dryRun: values['dry-run'] ?? false,
    provenance: !(values['no-provenance'] ?? false),
    detach: values.detach ?? false,
    overrides: parseOverrides(values.override ?? []),
    ui: values.ui ?? false,
    uiPort: parsePort(values['ui-port'], '--ui-port'),
  };
}

/** `-o memory=4 -o retries.attempts=2` → `{ memory: 4, retries: { attempts: 2 } }`, validated as task options. */
export function parseOverrides(items: readonly string[]): TaskOptions | undefined {
  if (items.length === 0) return undefined;
  const overrides: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(`-o ${item}: expected KEY=VALUE`, {
        hint: 'write e.g. -o executor=procs or -o memory=4',
      });
    }
    const path = item.slice(0, eq).split('.');
    if (
      path.some((key) => key === '' || key === '__proto__' || key === 'constructor' || key === 'prototype')
    ) {
      throw new UsageError(`-o ${item}: '${item.slice(0, eq)}' is not an option name`, {
        hint: 'write e.g. -o memory=4 or -o retries.attempts=2',
      });
    }
    let target = overrides;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      target =
        typeof next === 'object' && next !== null ? (next as Record<string, unknown>) : (target[key] = {});
    }
    target[path[path.length - 1]!] = parseValue(item.slice(eq + 1));
  }
  resolveTaskOptions(overrides, 'option -o');
  return overrides;
}

async function evaluate(
  scheduler: Scheduler,
  progress: ProgressDisplay,
  expr: unknown,
  settings: RunSettings & { executionId: string | undefined },
  ctx: CliContext,
): Promise<number> {
  const dashboard =
    settings.ui && !settings.dryRun
      ? await startRunDashboard(scheduler, settings.uiPort, ctx, progress.onEvent)
      : undefined;
  const controller = new AbortController();
  let signal: 'SIGINT' | 'SIGTERM' | undefined;
  const dispose = cancelOnSignals(
    controller,
    (line) => progress.log(line),
    (received) => (signal = received),
  );
  const options: RunOptions = {
    cache: settings.cache,
    provenance: settings.provenance,
    signal: controller.signal,
    onEvent: dashboard?.onEvent ?? progress.onEvent,
    overrides: settings.overrides,
    ...(settings.executionId === undefined ? {} : { executionId: settings.executionId }),
  };
  progress.start();
  try {
    if (settings.dryRun) {
      const report = await scheduler.run(expr, { ...options, dryRun: true });
      ctx.out(renderDryRun(report));
      return 0;
    }
    const value = await scheduler.run(expr, { ...options, dryRun: false });
    progress.finish('done');
    ctx.out(renderResult(value, { colors: process.stdout.isTTY === true }));
    return 0;
  } catch (error) {
    // A signal here, or a cancel request recorded in the store by baton cancel.
    const cancelled = error instanceof CancelledError || (controller.signal.aborted && signal !== undefined);
    progress.finish(cancelled ? 'cancelled' : 'failed');
    if (!cancelled) throw error;
    const id = progress.executionId;
    ctx.err(
      `baton: the run was cancelled${id ? ` (execution ${id})` : ''} — run the same command again to continue; finished calls come from the cache\n`,
    );
    return cancelledExitCode(signal);
  } finally {
    dispose();
    await dashboard?.close();
    // Holds the event loop open while executors stop: a worker whose handles are unref'd must
    // still be waited for, or Node would exit with the close half done.
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      await scheduler.close();
    } finally {
      clearInterval(keepAlive);
    }
  }
}
