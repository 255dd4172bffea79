// Reads baton.toml: find, parse, interpolate, validate, apply defaults.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { ConfigError } from '../errors.ts';
import type { ExecutorConfig } from '../executors/index.ts';
import { findConfigFile } from './find.ts';
import { interpolateEnv } from './interpolate.ts';
import { configError, didYouMean, displayPath, tomlKey, type Problem } from './problems.ts';
import { checkBackend, checkExecutor, defaultBackend, defaultExecutor, isTable } from './sections.ts';
import type { BatonConfig } from './types.ts';

const SECTIONS = ['backend', 'executors'];

/** The configuration that applies when there is no baton.toml. */
export function defaultConfig(cwd: string): BatonConfig {
  const root = resolve(cwd);
  return { file: undefined, root, backend: defaultBackend(root), executors: { default: defaultExecutor() } };
}

async function readToml(file: string, display: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(
      `${display}: cannot read the config file: ${(cause as Error).message}`,
      { file },
      { cause },
    );
  }
  try {
    return parse(text);
  } catch (cause) {
    if (!(cause instanceof TomlError)) throw cause;
    const reason = cause.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
    throw new ConfigError(
      `${display}:${cause.line}:${cause.column}: TOML syntax error: ${reason}\n${cause.codeblock.trimEnd()}`,
      { file },
      { cause, hint: `fix line ${cause.line} of ${display} (TOML syntax: https://toml.io)` },
    );
  }
}

function checkTopLevel(doc: Record<string, unknown>, problems: Problem[]): void {
  for (const [key, value] of Object.entries(doc)) {
    if (SECTIONS.includes(key)) continue;
    if (isTable(value)) {
      problems.push({
        section: tomlKey(key),
        message: `unknown section${didYouMean(key, SECTIONS, (near) => `[${near}]`)}`,
        hint: 'baton.toml has the sections [backend] and [executors.NAME]',
      });
    } else {
      problems.push({
        key: tomlKey(key),
        message: `unknown top-level key${didYouMean(key, SECTIONS, (near) => `[${near}]`)}`,
        hint: 'settings go in a section: [backend] or [executors.NAME]',
      });
    }
  }
}

async function checkExecutors(
  executors: unknown,
  ctx: { file: string; root: string; problems: Problem[] },
): Promise<Record<string, ExecutorConfig>> {
  const out: Record<string, ExecutorConfig> = {};
  if (executors === undefined) return out;
  if (!isTable(executors)) {
    ctx.problems.push({ section: 'executors', message: 'expected one table per executor: [executors.NAME]' });
    return out;
  }
  // In file order, so problems are listed as the user reads the file.
  for (const [name, section] of Object.entries(executors)) {
    const config = await checkExecutor(name, section, ctx);
    if (config) out[name] = config;
  }
  return out;
}

/**
 * Loads the configuration: the file named by `configPath` (`--config`), BATON_CONFIG or found above
 * `cwd`; without one, the embedded defaults. Every problem in the file is a ConfigError naming file,
 * section and key; when there are several, one error lists them all.
 */
export async function loadConfig(opts: {
  configPath?: string | undefined;
  cwd: string;
  env?: NodeJS.ProcessEnv;
}): Promise<BatonConfig> {
  const env = opts.env ?? process.env;
  const cwd = resolve(opts.cwd);
  const file = findConfigFile({ explicit: opts.configPath, env, cwd });
  if (file === undefined) return defaultConfig(cwd);
  const root = dirname(file);
  const display = displayPath(file, cwd);
  const parsed = await readToml(file, display);

  const problems: Problem[] = [];
  const doc = interpolateEnv(parsed, env, problems) as Record<string, unknown>;
  // Values with unset variables would only add confusing follow-on errors.
  if (problems.length > 0) throw configError(problems, file, display);

  checkTopLevel(doc, problems);
  const backend = checkBackend(doc['backend'], root, problems);
  const executors = await checkExecutors(doc['executors'], { file, root, problems });
  if (problems.length > 0) throw configError(problems, file, display);
  return {
    file,
    root,
    backend,
    executors: 'default' in executors ? executors : { default: defaultExecutor(), ...executors },
  };
}
