import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/print-run.ts', import.meta.url));

function runScript(mode: string, stop: 'stop' | 'no-stop') {
  return spawnSync(process.execPath, ['--conditions=baton-source', script, mode, stop], {
    encoding: 'utf8',
    timeout: 20_000,
  });
}

for (const mode of ['threads', 'processes']) {
  describe(`local executor output, ${mode}`, () => {
    for (const stop of ['stop', 'no-stop'] as const) {
      it(`sends what a task prints to stderr, never stdout, and lets the process end (${stop})`, () => {
        const began = Date.now();
        const result = runScript(mode, stop);
        assert.equal(result.signal, null, `the process did not end by itself: ${result.stderr}`);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stdout, '');
        assert.match(result.stderr, /outcome ok: true/);
        for (const line of ['log:hello', 'error:hello', 'write:hello'])
          assert.ok(result.stderr.includes(line), `${line} in ${result.stderr}`);
        assert.ok(Date.now() - began < 10_000);
      });
    }
  });
}
