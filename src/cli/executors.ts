// `baton executors`: the configured executors, their resolved options (secrets redacted) and where
// they were configured.
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { describeConfig, isTable, loadConfig, redact, type BatonConfig } from '../config/index.ts';
import { resolveExecutorType } from '../executors/index.ts';
import { UsageError } from '../errors.ts';
import { parseCommandArgs, type Command } from './args.ts';
import { displayPath } from './report.ts';

const HELP = `Usage: baton executors [--json]

Lists each configured executor with its resolved options (secrets shown as ***) and the config file
it comes from, or "embedded defaults" when no baton.toml defines it. Values that baton.toml does not
set are marked (default).

  --json      print the same as JSON`;

const EMBEDDED = 'embedded defaults';

interface ExecutorDescription {
  name: string;
  type: string;
  /** The file that defines it, or "embedded defaults". */
  source: string;
  /** The options baton.toml sets, after interpolation and validation; secrets redacted. */
  options: Record<string, unknown>;
  /** The options baton.toml leaves out, with the values Baton or the executor use (e.g. max_workers). */
  defaults: Record<string, unknown>;
}

/** The tables of baton.toml as written: which keys the file itself sets. */
interface FileTables {
  backend: Record<string, unknown>;
  executors: Record<string, Record<string, unknown>>;
}

export const executorsCommand: Command = {
  name: 'executors',
  summary: 'show the configured executors and their resolved options',
  help: HELP,
  async run(args, ctx) {
    const { values, positionals } = parseCommandArgs('executors', args, { json: { type: 'boolean' } });
    if (positionals.length > 0)
      throw new UsageError(`baton executors takes no arguments, got '${positionals[0]!}'`);
    const config = await loadConfig({ configPath: ctx.globals.configPath, cwd: ctx.cwd, env: ctx.env });
    const inFile = config.file ? fileTables(config.file) : { backend: {}, executors: {} };
    const executors = await describeExecutors(config, inFile);
    const described = describeConfig(config);
    if (values.json) {
      ctx.out(
        `${JSON.stringify({ file: described['file'], backend: described['backend'], executors }, null, 2)}\n`,
      );
      return 0;
    }
    const lines = [
      `config: ${config.file ? displayPath(config.file, ctx.cwd) : `${EMBEDDED} (no baton.toml found)`}`,
      `database: ${String((described['backend'] as { db: unknown }).db)}${'db' in inFile.backend ? '' : '  (default)'}`,
    ];
    for (const executor of executors) {
      const source = executor.source === EMBEDDED ? EMBEDDED : displayPath(executor.source, ctx.cwd);
      lines.push('', `[executors.${executor.name}]  (${executor.type}, from ${source})`);
      for (const [key, value] of Object.entries(executor.options))
        if (key !== 'type') lines.push(`  ${key} = ${show(value)}`);
      for (const [key, value] of Object.entries(executor.defaults))
        if (key !== 'type') lines.push(`  ${key} = ${show(value)}  (default)`);
    }
    ctx.out(`${lines.join('\n')}\n`);
    return 0;
  },
};

async function describeExecutors(config: BatonConfig, inFile: FileTables): Promise<ExecutorDescription[]> {
  const redacted = describeConfig(config)['executors'] as Record<string, Record<string, unknown>>;
  const out: ExecutorDescription[] = [];
  for (const [name, section] of Object.entries(config.executors)) {
    const written = inFile.executors[name];
    const options: Record<string, unknown> = {};
    const defaults: Record<string, unknown> = {};
    // The loaded section also holds what validation filled in; only keys the file has are its own.
    for (const [key, value] of Object.entries(redacted[name] ?? {})) {
      if (written && key in written) options[key] = value;
      else defaults[key] = value;
    }
    for (const [key, value] of Object.entries(await executorDescribe(config, name))) {
      if (!(key in options) && !(key in defaults)) defaults[key] = redact(value);
    }
    out.push({
      name,
      type: section.type,
      source: config.file && written ? config.file : EMBEDDED,
      options,
      defaults,
    });
  }
  return out;
}

/** What the executor itself reports (its defaults filled in); empty when it cannot be built here. */
async function executorDescribe(config: BatonConfig, name: string): Promise<Record<string, unknown>> {
  const section = config.executors[name]!;
  try {
    const registration = await resolveExecutorType(section.type, {
      file: config.file,
      section: `executors.${name}`,
      baseDir: config.root,
    });
    return registration.create(name, section).describe();
  } catch {
    return {};
  }
}

/** The backend and executor tables the file itself holds (the loader adds `default` when it has none). */
function fileTables(file: string): FileTables {
  const doc = parse(readFileSync(file, 'utf8')) as { backend?: unknown; executors?: unknown };
  const executors: FileTables['executors'] = {};
  if (isTable(doc.executors)) {
    for (const [name, section] of Object.entries(doc.executors))
      executors[name] = isTable(section) ? section : {};
  }
  return { backend: isTable(doc.backend) ? doc.backend : {}, executors };
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}
