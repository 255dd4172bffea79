// `baton init`: a commented baton.toml to start from, and `.baton/` kept out of git.
import { existsSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONFIG_FILE_NAME } from '../config/index.ts';
import { ConfigError, UsageError } from '../errors.ts';
import { parseCommandArgs, type Command } from './args.ts';
import { displayPath } from './report.ts';

const HELP = `Usage: baton init

Writes a commented ${CONFIG_FILE_NAME} in the working directory (or at --config PATH): the database
under .baton/, a local executor named "default", and a commented-out example of a second executor.
An existing file is never overwritten. If a .gitignore exists, .baton/ is added to it.`;

/** The starting configuration: every line that is not a comment is what Baton assumes without a file. */
export const CONFIG_TEMPLATE = `# Baton configuration. Relative paths are relative to this file; \${VAR} reads an environment variable.

[backend]
# Where executions, jobs and the call cache are recorded: "sqlite:PATH" (or, later, "postgres://...").
db = "sqlite:.baton/baton.db"
# Results larger than 64 KiB are kept as files here.
# values_dir = ".baton/values"

# Tasks run on the executor named "default" unless they say otherwise: task('name', fn, { executor: 'procs' })
# or, for one run, baton run FILE TASK -o executor=procs.
[executors.default]
type = "local"          # local: a pool of workers on this machine
mode = "threads"        # threads | processes
# max_workers = 8       # default: one per CPU
# Defaults for the tasks that run here (a task's own options win):
# retries = 0
# time_limit = "1h"

# A second executor: child processes, for CPU-heavy tasks or code that must not share a process.
# [executors.procs]
# type = "local"
# mode = "processes"
# max_workers = 4
`;

export const initCommand: Command = {
  name: 'init',
  summary: 'write a commented baton.toml in the working directory',
  help: HELP,
  async run(args, ctx) {
    const { positionals } = parseCommandArgs('init', args, {});
    if (positionals.length > 0) {
      throw new UsageError(`baton init takes no arguments, got '${positionals[0]!}'`, {
        hint: 'use --config PATH to choose where the file goes',
      });
    }
    const target = resolve(ctx.cwd, ctx.globals.configPath ?? CONFIG_FILE_NAME);
    const shown = displayPath(target, ctx.cwd);
    if (existsSync(target)) {
      throw new ConfigError(
        `${shown} already exists; baton init does not overwrite it`,
        { file: target },
        {
          hint: `edit it, or remove it and run baton init again`,
        },
      );
    }
    writeFileSync(target, CONFIG_TEMPLATE, { flag: 'wx' });
    ctx.out(`wrote ${shown}\n`);
    const gitignore = join(ctx.cwd, '.gitignore');
    if (existsSync(gitignore) && addToGitignore(gitignore)) ctx.out('added .baton/ to .gitignore\n');
    return 0;
  },
};

/** Appends `.baton/` unless a line already ignores it; true when the file changed. */
function addToGitignore(path: string): boolean {
  const text = readFileSync(path, 'utf8');
  const ignored = text
    .split(/\r?\n/)
    .some((line) => ['.baton', '.baton/', '/.baton', '/.baton/'].includes(line.trim()));
  if (ignored) return false;
  appendFileSync(path, `${text.length > 0 && !text.endsWith('\n') ? '\n' : ''}.baton/\n`);
  return true;
}
