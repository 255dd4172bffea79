// Runs the real `baton` CLI as a child process in a throwaway project folder inside the repository
// (so a workflow's `import { task } from 'baton'` resolves to this package's source).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TEMP_PARENT = fileURLToPath(new URL('.', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A local executor with two worker threads: fast to start, and enough to run things side by side. */
export const SMALL_CONFIG = `[executors.default]
type = "local"
mode = "threads"
max_workers = 2
`;

export interface Project {
  dir: string;
  /** Writes a file below the project; returns its absolute path. */
  write(relativePath: string, text: string): string;
  read(relativePath: string): string;
  /** Lines of a file the workflow appends to (empty when the file is not there). */
  lines(relativePath: string): string[];
  /** Runs `baton ARGS...` in the project and waits for it to exit. */
  baton(args: string[], options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult>;
  /** Starts `baton ARGS...` and gives the child and a promise of its result. */
  start(
    args: string[],
    options?: { env?: NodeJS.ProcessEnv; stdin?: 'ignore' | 'pipe' },
  ): { child: ChildProcess; done: Promise<CliResult> };
}

/** A fresh project folder under test/cli/.tmp-*, removed when the test ends; holds SMALL_CONFIG unless told. */
export function project(t: TestContext, options: { config?: string | false } = {}): Project {
  const dir = mkdtempSync(join(TEMP_PARENT, '.tmp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (relativePath: string, text: string) => {
    const path = join(dir, relativePath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  };
  if (options.config !== false) write('baton.toml', options.config ?? SMALL_CONFIG);
  const start = (args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: 'ignore' | 'pipe' } = {}) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
    delete env['BATON_CONFIG'];
    if (opts.env?.['BATON_PROGRESS'] === undefined) delete env['BATON_PROGRESS'];
    const child = spawn(process.execPath, ['--conditions=baton-source', CLI, ...args], {
      cwd: dir,
      env,
      stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const done = new Promise<CliResult>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    return { child, done };
  };
  return {
    dir,
    write,
    read: (relativePath) => readFileSync(join(dir, relativePath), 'utf8'),
    lines: (relativePath) => {
      const path = join(dir, relativePath);
      return existsSync(path)
        ? readFileSync(path, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
        : [];
    },
    start,
    baton: async (args, opts = {}) => {
      const { child, done } = start(args, opts);
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
      try {
        return await done;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Waits until `check` is true, polling every 50 ms; fails after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The execution id a run reports on stderr (`(execution 01j…)`). */
export function executionIdOf(stderr: string): string {
  const match = /execution ([0-9a-z]{26})/.exec(stderr);
  if (!match) throw new Error(`no execution id in stderr:\n${stderr}`);
  return match[1]!;
}
