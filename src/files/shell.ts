// Running one shell command of a script task: `/bin/sh -c` in a given folder, stdout collected whole,
// stderr passed through to the worker's stderr (so it shows up live) and its tail kept for the error.
import { spawn } from 'node:child_process';

/** Bytes of stderr kept for the error message. */
const STDERR_KEPT = 16 * 1024;
/** Lines of stderr the error message shows. */
const STDERR_LINES = 20;

export interface ShellResult {
  /** null when a signal ended the command. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** The last lines of stderr. */
  stderrTail: string;
}

function lastLines(text: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return lines.slice(-STDERR_LINES).join('\n');
}

/** Runs `command` with `shell -c` in `cwd`; resolves however it exits, rejects only when it cannot start. */
export function runShell(command: string, cwd: string, shell: string): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = Buffer.alloc(0);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > 2 * STDERR_KEPT) stderr = stderr.subarray(stderr.length - STDERR_KEPT);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderrTail: lastLines(stderr.subarray(-STDERR_KEPT).toString('utf8')),
      });
    });
  });
}
