// A map killed halfway (SIGKILL) and started again reuses every item that had finished.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const SCRIPT = fileURLToPath(new URL('./fixtures/resume-run.ts', import.meta.url));

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

function start(dir: string, log: string) {
  const child = spawn(process.execPath, ['--conditions=baton-source', SCRIPT, dir, log], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout })),
  );
  return { child, done };
}

test('a map killed with SIGKILL and started again runs only what had not finished', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-resume-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // One log for both runs: the log's path is part of each item, so of each call's hash.
  const log = join(dir, 'runs.log');
  const first = start(dir, log);
  while (lines(log).length < 16) await new Promise((resolve) => setTimeout(resolve, 20));
  first.child.kill('SIGKILL');
  await first.done;
  const ranBefore = lines(log).length;
  assert.ok(ranBefore < 40, 'the first run was killed before the end');

  const second = await start(dir, log).done;
  assert.equal(second.code, 0);
  assert.deepEqual(
    JSON.parse(second.stdout),
    Array.from({ length: 40 }, (_, i) => i * 2),
  );
  const ranAgain = lines(log).slice(ranBefore).map(Number);
  // Items in flight at the kill (at most maxConcurrent = 4, plus those whose records were not yet
  // committed) run again; every other item that had finished is served from the cache.
  assert.ok(ranAgain.length <= 40 - ranBefore + 8, `second run ran ${ranAgain.length} after ${ranBefore}`);
  assert.ok(ranAgain.length < 40, 'finished items were reused');
  const everyItem = new Set(lines(log).map(Number));
  assert.equal(everyItem.size, 40);
});
