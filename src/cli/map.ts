// `baton map --expression EXPR (--over EXPR | --input FILE)`: a function given on the command line,
// mapped over many items on the configured executors, results streamed in input order (or as they
// finish, with their item's index), with a status page (JSON and HTML) kept up to date while it runs.
import { join, relative } from 'node:path';
import { loadConfig } from '../config/index.ts';
import { CancelledError, TaskError, UsageError } from '../errors.ts';
import {
  compileExpression,
  mapExpression,
  mapIndexed,
  MapStatus,
  preview,
  type MapEvent,
} from '../map/index.ts';
import { Scheduler } from '../scheduler/index.ts';
import type { Task } from '../task/index.ts';
import { parseCommandArgs, parseCount, type CliContext, type Command } from './args.ts';
import { itemsFromExpression, itemsFromFile, type Items } from './map-input.ts';
import { openResultSink, type ResultSink } from './map-output.ts';
import { StatusFiles } from './map-status-files.ts';
import { ProgressDisplay, progressLogger, progressMode, type ProgressMode } from './progress.ts';
import { cancelledExitCode, cancelOnSignals } from './signals.ts';

const HELP = `Usage: baton map --expression EXPR (--over EXPR | --input FILE) [options]

Calls the function EXPR on every item, in parallel on the configured executors, and writes the
results in input order as they come (or as they finish, with --unordered): JSON lines on stdout, or
into --out. Every item is a cached call: running the same command again reuses what finished (a
killed map resumes).

  --expression EXPR      a JavaScript function of one item, e.g. 'x => x ** 2' or
                         'async (row) => (await import("node:os")).hostname()'. It travels to the
                         workers as text and is compiled there, so it runs on every executor; it sees
                         globals only, not this shell's variables. Its text is part of each call's hash.
  --over EXPR            a JavaScript expression, evaluated here, whose value is an array, an iterable
                         or an async iterable (a promise of one is awaited)
  --input FILE           items from a file: .jsonl (one JSON value per line) or .csv (one object per
                         row, keyed by the header; values are strings)

Options:
  --out FILE             write results to FILE.jsonl (one JSON value per line) or FILE.csv (columns
                         from the first result's keys; other results as one column 'result'). The
                         status page goes next to it: FILE.status.json and FILE.status.html
  --unordered            write each result as soon as it is done, with its item's index (0-based):
                         {"index": N, "result": ...} lines, or a first CSV column 'index'. A slow
                         item then holds back only itself
  --executor NAME        the executor every item runs on (default: the 'default' executor)
  --max-concurrent N     items read and not yet written, at most (default 4096)
  --chunk-size N         items per job (default 1); the chunk is then the cached unit
  --resume-key KEY       names the run: recorded with it (baton log shows it) and, without --out, the
                         status files are .baton/map-status/KEY.{json,html}, rewritten by each run of
                         that key. Resuming works without it, through the call cache.
  --no-cache             run every item again
  --config PATH          the baton.toml to use
  --verbose              show stacks on errors
  -h, --help             this help

Without --out and --resume-key, the status files are .baton/map-status/EXECUTION_ID.{json,html}.
The first item that fails stops the map: its error is shown with the item, and the results before
it (with --unordered, those that finished before it) are written. Ctrl-C cancels; run the same
command again to continue.
Environment: BATON_PROGRESS=tty|plain|off chooses the progress display (default: tty on a terminal,
else only a summary line).

Example: baton map --expression 'x => x ** 2' --over 'Array.from({ length: 10 }, (_, i) => i)'`;

const OPTIONS = {
  expression: { type: 'string' },
  over: { type: 'string' },
  input: { type: 'string' },
  out: { type: 'string' },
  executor: { type: 'string' },
  'max-concurrent': { type: 'string' },
  'chunk-size': { type: 'string' },
  'resume-key': { type: 'string' },
  'no-cache': { type: 'boolean' },
  unordered: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const RESUME_KEY = /^[\w.-]{1,100}$/;

interface MapSettings {
  expression: string;
  items: Items;
  sink: ResultSink;
  executor: string | undefined;
  maxConcurrent: number | undefined;
  chunkSize: number | undefined;
  resumeKey: string | undefined;
  noCache: boolean;
  unordered: boolean;
}

/** Everything the command line says, checked before any work starts. */
async function settingsFrom(args: string[], ctx: CliContext): Promise<MapSettings> {
  const { values, positionals } = parseCommandArgs('map', args, OPTIONS);
  if (positionals.length > 0) {
    throw new UsageError(`baton map: unexpected argument '${positionals[0]!}'`, {
      hint: "quote the expression for the shell: --expression 'x => x * 2'; see baton map --help",
    });
  }
  const expression = values.expression;
  if (expression === undefined) {
    throw new UsageError('baton map needs --expression', { hint: "e.g. --expression 'x => x ** 2'" });
  }
  if ((values.over === undefined) === (values.input === undefined)) {
    throw new UsageError('baton map needs the items: give --over EXPR or --input FILE (one of them)', {
      hint: "e.g. --over '[1, 2, 3]' or --input items.jsonl",
    });
  }
  compileExpression(expression, '--expression');
  const resumeKey = values['resume-key'];
  if (resumeKey !== undefined && !RESUME_KEY.test(resumeKey)) {
    throw new UsageError(`--resume-key '${resumeKey}' is not a usable key`, {
      hint: 'use letters, digits, _ . - (it names the status files)',
    });
  }
  const count = (name: 'max-concurrent' | 'chunk-size') =>
    values[name] === undefined ? undefined : parseCount(values[name], `--${name}`, 1);
  const settings = {
    expression,
    executor: values.executor,
    maxConcurrent: count('max-concurrent'),
    chunkSize: count('chunk-size'),
    resumeKey,
    noCache: values['no-cache'] ?? false,
    unordered: values.unordered ?? false,
    items:
      values.over !== undefined
        ? await itemsFromExpression(values.over)
        : itemsFromFile(values.input!, ctx.cwd),
  };
  return { ...settings, sink: openResultSink(values.out, ctx.cwd, ctx.out, settings.unordered) };
}

export const mapCommand: Command = {
  name: 'map',
  summary: 'call a function given on the command line on many items, in parallel',
  help: HELP,
  async run(args, ctx) {
    const settings = await settingsFrom(args, ctx);
    try {
      const config = await loadConfig({ configPath: ctx.globals.configPath, cwd: ctx.cwd, env: ctx.env });
      const chosen = ctx.env['BATON_PROGRESS'];
      const mode: ProgressMode =
        chosen !== undefined && chosen !== ''
          ? progressMode(ctx.env, process.stderr)
          : process.stderr.isTTY
            ? 'tty'
            : 'off';
      const progress = new ProgressDisplay({ mode, stream: process.stderr });
      const status = new MapStatus({ title: settings.expression, resumeKey: settings.resumeKey });
      const named = settings.resumeKey ?? (() => status.snapshot().executionId);
      const files = new StatusFiles(
        status,
        () => {
          if (settings.sink.path) return `${settings.sink.path}.status`;
          const name = typeof named === 'string' ? named : named();
          return name === undefined ? undefined : join(config.root, '.baton', 'map-status', name);
        },
        (line) => progress.log(line),
      );
      const scheduler = new Scheduler({
        config,
        cwd: ctx.cwd,
        logger: progressLogger(progress, ctx.globals.verbose),
      });
      return await runMap(settings, {
        scheduler,
        progress,
        status,
        files,
        ctx,
        quietSummary: chosen !== 'off' && mode === 'off',
      });
    } finally {
      await settings.sink.close();
    }
  },
};

interface Parts {
  scheduler: Scheduler;
  progress: ProgressDisplay;
  status: MapStatus;
  files: StatusFiles;
  ctx: CliContext;
  /** No progress display, but one summary line at the end. */
  quietSummary: boolean;
}

/**
 * The items as the map reads them, numbered for the status and kept until their result is written. A
 * failing source (a bad row) ends the items here, so those before it finish; `failure` then holds why.
 */
async function* numbered(
  items: Items,
  status: MapStatus,
  held: Map<number, unknown>,
  failure: { error?: unknown },
): AsyncGenerator<unknown> {
  let index = 0;
  try {
    for await (const item of items) {
      held.set(index, item);
      status.read(index++, item);
      yield item;
    }
  } catch (error) {
    failure.error =
      error instanceof UsageError
        ? error
        : new UsageError(
            `--over failed while giving item ${index}: ${String((error as Error)?.message ?? error)}`,
            {
              cause: error,
            },
          );
    return;
  }
  status.sourceEnded();
}

async function runMap(settings: MapSettings, parts: Parts): Promise<number> {
  const { scheduler, progress, status, files, ctx } = parts;
  const controller = new AbortController();
  let signal: 'SIGINT' | 'SIGTERM' | undefined;
  const dispose = cancelOnSignals(
    controller,
    (line) => progress.log(line),
    (received) => (signal = received),
  );
  const held = new Map<number, unknown>();
  const source: { error?: unknown } = {};
  const onEvent = (event: MapEvent) => {
    progress.onEvent(event);
    status.onEvent(event);
  };
  progress.start();
  files.start();
  let outcome: 'done' | 'failed' | 'cancelled' = 'failed';
  try {
    const results = mapIndexed(
      mapExpression as Task<[unknown], unknown>,
      numbered(settings.items, status, held, source),
      {
        ordered: !settings.unordered,
        scheduler,
        executor: settings.executor,
        maxConcurrent: settings.maxConcurrent,
        chunkSize: settings.chunkSize,
        resumeKey: settings.resumeKey,
        cache: settings.noCache ? 'none' : 'backend',
        extraArgs: [settings.expression],
        errors: 'collect',
        signal: controller.signal,
        onEvent,
      },
    );
    for await (const [index, result] of results) {
      if (result instanceof TaskError) {
        status.result(index, result);
        const error = new TaskError(
          {
            taskName: 'baton.map.expression',
            callPath: `item ${index} (${preview(held.get(index))})`,
            name: result.remoteName,
            message: result.remoteMessage,
            stack: result.remoteStack,
          },
          {
            hint: 'the results before it are written; fix and run again: finished items come from the cache',
          },
        );
        throw error;
      }
      status.result(index, undefined);
      held.delete(index);
      await settings.sink.write(index, result);
    }
    if (source.error !== undefined) throw source.error;
    outcome = 'done';
    status.end('done');
    return 0;
  } catch (error) {
    const cancelled = controller.signal.aborted && (signal !== undefined || error instanceof CancelledError);
    outcome = cancelled ? 'cancelled' : 'failed';
    status.end(outcome, error);
    if (!cancelled) throw error;
    ctx.err(
      `baton: the map was cancelled${progress.executionId ? ` (execution ${progress.executionId})` : ''} — run the same command again to continue; finished items come from the cache\n`,
    );
    return cancelledExitCode(signal);
  } finally {
    dispose();
    files.finish();
    progress.finish(outcome);
    if (parts.quietSummary && outcome === 'done') ctx.err(`${progress.summary(outcome)}\n`);
    const page = files.htmlPath;
    if (page && progressOn(parts)) ctx.err(`baton: status page ${relative(ctx.cwd, page) || page}\n`);
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      await scheduler.close();
    } finally {
      clearInterval(keepAlive);
    }
  }
}

function progressOn(parts: Parts): boolean {
  return parts.quietSummary || parts.progress.mode !== 'off';
}
