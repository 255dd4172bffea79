// The `baton` command: global options, dispatch to one module per command, and error reporting.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.ts';
import { extractGlobalOptions, wantsHelp, type CliContext, type Command } from './args.ts';
import { formatError } from './report.ts';

/** Commands of this version, each loaded only when used (so `baton --help` does not load the scheduler). */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  init: {
    summary: 'write a commented baton.toml in the working directory',
    load: async () => (await import('./init.ts')).initCommand,
  },
  run: {
    summary: 'evaluate a task from a workflow file and print its result',
    load: async () => (await import('./run.ts')).runCommand,
  },
  log: {
    summary: "list recent executions, or show one execution's jobs",
    load: async () => (await import('./log.ts')).logCommand,
  },
  ui: {
    summary: 'serve the web dashboard of executions, jobs and the cache',
    load: async () => (await import('./ui.ts')).uiCommand,
  },
  result: {
    summary: 'print the result of an execution (one started with --detach, or any other)',
    load: async () => (await import('./result.ts')).resultCommand,
  },
  cancel: {
    summary: 'cancel a running execution and its in-flight jobs',
    load: async () => (await import('./cancel.ts')).cancelCommand,
  },
  cache: {
    summary: 'list the call cache with sizes, remove entries, free unused values',
    load: async () => (await import('./cache.ts')).cacheCommand,
  },
  executors: {
    summary: 'show the configured executors and their resolved options',
    load: async () => (await import('./executors.ts')).executorsCommand,
  },
  map: {
    summary: 'call a function given on the command line on many items, in parallel',
    load: async () => (await import('./map.ts')).mapCommand,
  },
  db: {
    summary: "set up or upgrade the store's schema, or show what it holds",
    load: async () => (await import('./db.ts')).dbCommand,
  },
  push: {
    summary: 'copy executions and their cached values to another store',
    load: async () => (await import('./transfer.ts')).pushCommand,
  },
  pull: {
    summary: 'copy executions and their cached values from another store',
    load: async () => (await import('./transfer.ts')).pullCommand,
  },
  oneshot: {
    summary: 'run one job of a remote executor (used inside jobs)',
    load: async () => (await import('./oneshot.ts')).oneshotCommand,
  },
  worker: {
    summary: 'run jobs of a fleet executor from Redis on this machine',
    load: async () => (await import('./worker.ts')).workerCommand,
  },
  workers: {
    summary: 'list the live workers of a fleet executor',
    load: async () => (await import('./workers.ts')).workersCommand,
  },
  profile: {
    summary: 'profile the CPU or heap of every live worker of a fleet executor',
    load: async () => (await import('./profile.ts')).profileCommand,
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const commands = Object.entries(COMMANDS).map(
    ([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`,
  );
  return [
    'Usage: baton COMMAND [options]',
    '',
    'Runs TypeScript tasks anywhere, caching every call by the hash of its code and arguments.',
    '',
    'Commands:',
    ...commands,
    '',
    'Options (anywhere on the command line):',
    '  --config PATH  the baton.toml to use (else BATON_CONFIG, else the nearest one above the working directory)',
    '  --verbose      show stacks and causes on errors',
    '  -h, --help     help; baton COMMAND --help for a command',
    '  --version      the version of Baton',
    '',
    'Example: baton run workflow.ts main --url https://example.com --C 0.5',
    '',
  ].join('\n');
}

export function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}

function defaultContext(globals: CliContext['globals']): CliContext {
  return {
    globals,
    cwd: process.cwd(),
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
}

/** Runs the command line `argv` (without `node` and the script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let ctx = defaultContext({ verbose: argv.includes('--verbose'), configPath: undefined });
  try {
    const { globals, rest } = extractGlobalOptions(argv);
    ctx = defaultContext(globals);
    const [name, ...args] = rest;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? args[0] : undefined;
      if (topic !== undefined) return await main([topic, '--help']);
      ctx.out(mainHelp());
      return 0;
    }
    if (name === '--version' || name === '-V') {
      ctx.out(`${version()}\n`);
      return 0;
    }
    const entry = COMMANDS[name];
    if (!entry) {
      const what = name.startsWith('-') ? `unknown option '${name}'` : `unknown command '${name}'`;
      throw new UsageError(what, { hint: `commands: ${Object.keys(COMMANDS).join(', ')}; see baton --help` });
    }
    const command = await entry.load();
    if (name !== 'run' && wantsHelp(args)) {
      ctx.out(`${command.help}\n`);
      return 0;
    }
    return await command.run(args, ctx);
  } catch (error) {
    ctx.err(formatError(error, { verbose: ctx.globals.verbose, cwd: ctx.cwd }));
    return 1;
  }
}

function runsAsScript(): boolean {
  const meta = import.meta as ImportMeta & { main?: boolean };
  if (typeof meta.main === 'boolean') return meta.main;
  // Node 22 before import.meta.main: compare with the script path
  const script = process.argv[1];
  return script !== undefined && fileURLToPath(import.meta.url) === script;
}

if (runsAsScript()) process.exitCode = await main(process.argv.slice(2));
