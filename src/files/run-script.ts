// What a script task does when its job runs: fill the command, run it in a fresh working directory,
// keep the declared outputs (moved to the kept files, so removing the directory loses nothing), and
// remove the directory, or keep it and name it when the command failed.
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { WorkflowError } from '../errors.ts';
import { Dir } from './dir.ts';
import { File } from './file.ts';
import { keepDir, keepFile, keptFilesRoot } from './kept.ts';
import { ScriptError } from '../errors.ts';
import { runShell } from './shell.ts';
import { checkScriptArgs, fillTemplate, shellQuote, shellText, type CommandTemplate } from './template.ts';

/** Everything a script task's job needs, fixed when the script is defined. */
export interface ScriptSpec {
  readonly name: string;
  readonly template: CommandTemplate;
  /** Output name → path in the working directory (or absolute); a path ending in `/` is a folder. */
  readonly outputs: Readonly<Record<string, string>>;
  /** Placeholders that the call fills (the others are outputs). */
  readonly inputs: readonly string[];
  readonly shell: string;
}

/** A script's result when it declares outputs. */
export interface ScriptOutputs {
  stdout: string;
  files: Record<string, File | Dir>;
}

const notLazy = () => false;

function outputPath(spec: ScriptSpec, name: string, workDir: string): string {
  const declared = spec.outputs[name]!;
  return isAbsolute(declared) ? declared : join(workDir, declared);
}

/** Runs one call of the script described by `spec` with the placeholder values `args`. */
export async function runScript(spec: ScriptSpec, args: unknown): Promise<string | ScriptOutputs> {
  const outputNames = Object.keys(spec.outputs);
  checkScriptArgs(spec.name, spec.inputs, outputNames, args, notLazy);
  const given = (args ?? {}) as Record<string, unknown>;
  const words: Record<string, string> = {};
  for (const name of spec.inputs) words[name] = shellText(given[name], spec.name, name);
  for (const name of outputNames) words[name] = shellQuote(spec.outputs[name]!);
  const command = fillTemplate(spec.template, words);

  const safeName = spec.name.replace(/[^A-Za-z0-9_-]/g, '_');
  const workDir = await mkdtemp(join(tmpdir(), `baton-script-${safeName}-`));
  const failed = (
    message: string,
    result: { code: number | null; signal: string | null; stderrTail: string },
  ) =>
    new ScriptError(`script ${spec.name} ${message}; its working directory is kept at ${workDir}`, {
      script: spec.name,
      exitCode: result.code,
      signal: result.signal,
      stderrTail: result.stderrTail,
      workDir,
    });
  // Folders for the outputs, so `> out/count.txt` or `{plots}/a.png` work as written.
  for (const name of outputNames) {
    const path = outputPath(spec, name, workDir);
    await mkdir(spec.outputs[name]!.endsWith('/') ? path : dirname(path), { recursive: true });
  }
  let result;
  try {
    result = await runShell(command, workDir, spec.shell);
  } catch (error) {
    throw new WorkflowError(`script ${spec.name}: cannot start ${spec.shell}: ${String(error)}`, {
      cause: error,
      hint: 'script tasks need a POSIX shell where their jobs run',
    });
  }
  if (result.code !== 0) {
    throw failed(
      result.signal === null ? `exited with code ${result.code}` : `was ended by signal ${result.signal}`,
      result,
    );
  }
  if (outputNames.length === 0) {
    await rm(workDir, { recursive: true, force: true });
    return result.stdout;
  }
  const files: Record<string, File | Dir> = {};
  let root: string | undefined;
  for (const name of outputNames) {
    const declared = spec.outputs[name]!;
    const path = outputPath(spec, name, workDir);
    const folder = declared.endsWith('/');
    const found = await stat(path).catch(() => undefined);
    if (!(folder ? found?.isDirectory() : found?.isFile())) {
      throw failed(`did not write its output ${name} (${declared}${folder ? ', a folder' : ''})`, result);
    }
    if (isAbsolute(declared)) {
      // The user chose where it lives; Baton does not own it, so it stays.
      files[name] = folder ? new Dir(path, { hash: 'content' }) : new File(path, { hash: 'content' });
      continue;
    }
    try {
      root ??= await keptFilesRoot();
      files[name] = folder ? await keepDir(path, root) : await keepFile(path, root);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw failed(`could not keep its output ${name} in ${root ?? 'the kept files'} (${reason})`, result);
    }
  }
  await rm(workDir, { recursive: true, force: true });
  return { stdout: result.stdout, files };
}
