// Command-line parsing shared by every command: the global options, each command's own options
// (node:util parseArgs, strict), and how a text given on the command line becomes a value.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.ts';

/** Options accepted anywhere on the command line, before `--`. */
export interface GlobalOptions {
  /** Add stacks and cause chains to error output. */
  verbose: boolean;
  /** `--config PATH`: the baton.toml to use instead of the one found from the working directory. */
  configPath: string | undefined;
}

/** What every command receives besides its own arguments. */
export interface CliContext {
  globals: GlobalOptions;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Writes to stdout: results only. */
  out(text: string): void;
  /** Writes to stderr: progress, logs, messages. */
  err(text: string): void;
}

export interface Command {
  name: string;
  /** One line for `baton --help`. */
  summary: string;
  /** The text `baton COMMAND --help` prints. */
  help: string;
  /** Runs the command; resolves with the exit code. */
  run(args: string[], ctx: CliContext): Promise<number>;
}

/** Removes `--verbose` and `--config PATH` from anywhere before `--`; the rest keeps its order. */
export function extractGlobalOptions(argv: readonly string[]): { globals: GlobalOptions; rest: string[] } {
  const globals: GlobalOptions = { verbose: false, configPath: undefined };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--verbose') globals.verbose = true;
    else if (arg.startsWith('--config='))
      globals.configPath = nonEmpty(arg.slice('--config='.length), '--config');
    else if (arg === '--config') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new UsageError('option --config needs a value', { hint: 'write --config path/to/baton.toml' });
      }
      globals.configPath = value;
      i++;
    } else rest.push(arg);
  }
  return { globals, rest };
}

function nonEmpty(value: string, option: string): string {
  if (value === '') throw new UsageError(`option ${option} needs a value`, { hint: `write ${option}=VALUE` });
  return value;
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** `parseArgs` in strict mode, with its errors turned into UsageErrors that point at the command's help. */
export function parseCommandArgs<O extends OptionsConfig>(command: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      const message = (error as Error).message
        .split('\n')[0]!
        .replace(/\. To specify a positional argument.*$/, '');
      throw new UsageError(`baton ${command}: ${lowerFirst(message)}`, {
        hint: `see baton ${command} --help`,
      });
    }
    throw error;
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A command-line value: JSON when it parses as JSON (`0.5`, `true`, `[1,2]`, `"x"`), else the text itself. */
export function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A whole number >= 1 from an option such as `--limit`. */
export function parseCount(text: string | undefined, option: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new UsageError(`${option} must be a whole number >= 1, got '${text}'`);
  }
  return value;
}

/** Whether `args` asks for help (`--help` or `-h` before `--`). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}
