import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import type { JobEvent } from '../../src/scheduler/index.ts';
import { ProgressDisplay, progressMode, type ProgressStream } from '../../src/cli/progress.ts';

const ESC = String.fromCharCode(27);
/** Cursor up over the block, then clear to the end of the screen. */
const CLEAR_BLOCK = new RegExp(`${ESC}\\[\\d+A${ESC}\\[0J`, 'g');

function recorder(isTTY = false): ProgressStream & { text: string } {
  const stream = { text: '', isTTY, columns: 80, write: (chunk: string) => (stream.text += chunk) };
  return stream;
}

function job(
  type: JobEvent['type'],
  jobId: string,
  taskName: string,
  extra: Partial<JobEvent> = {},
): JobEvent {
  return {
    type,
    executionId: '01jexecution0000000000000a',
    jobId,
    taskName,
    evalHash: 'h',
    executor: 'default',
    attempt: 1,
    time: Date.now(),
    ...extra,
  };
}

describe('progress display', () => {
  test('BATON_PROGRESS overrides the choice made from the stream, and a wrong value is named', () => {
    assert.equal(progressMode({}, { write: () => true, isTTY: true }), 'tty');
    assert.equal(progressMode({}, { write: () => true }), 'plain');
    assert.equal(progressMode({ BATON_PROGRESS: 'off' }, { write: () => true, isTTY: true }), 'off');
    assert.equal(progressMode({ BATON_PROGRESS: 'tty' }, { write: () => true }), 'tty');
    assert.throws(() => progressMode({ BATON_PROGRESS: 'fancy' }, { write: () => true }), UsageError);
  });

  test('plain mode logs failed, retried and cancelled jobs, then one summary with the counts', () => {
    const stream = recorder();
    const progress = new ProgressDisplay({ mode: 'plain', stream });
    progress.start();
    progress.onEvent({
      type: 'execution-started',
      executionId: '01jexecution0000000000000a',
      taskName: 'main',
      time: Date.now(),
    });
    progress.onEvent(job('cached', 'c1', 'fetch'));
    progress.onEvent(job('queued', 'j1', 'train'));
    progress.onEvent(job('started', 'j1', 'train'));
    progress.onEvent(
      job('retried', 'j1', 'train', {
        error: { name: 'Error', message: 'flaky\nmore', kind: 'application' },
        delay: 2,
      }),
    );
    progress.onEvent(job('started', 'j1', 'train', { attempt: 2 }));
    progress.onEvent(job('finished', 'j1', 'train', { attempt: 2 }));
    progress.onEvent(job('queued', 'j2', 'score'));
    progress.onEvent(job('started', 'j2', 'score'));
    progress.onEvent(
      job('failed', 'j2', 'score', {
        error: { name: 'RangeError', message: 'too big', kind: 'application' },
      }),
    );
    progress.onEvent(job('queued', 'j3', 'score'));
    progress.onEvent(job('cancelled', 'j3', 'score'));
    progress.finish('failed');
    const lines = stream.text.trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 3), [
      'baton: train attempt 1 failed: Error: flaky; retrying in 2.0s',
      'baton: score failed (attempt 1, executor default): RangeError: too big',
      'baton: score cancelled (attempt 1)',
    ]);
    assert.match(
      lines[3]!,
      /^baton: failed after \S+ — 4 calls: 1 ran, 1 cached, 1 failed, 1 cancelled, 1 retry \(execution 01jexecution0000000000000a\)$/,
    );
    assert.equal(lines.length, 4);
  });

  test('plain mode writes a counts line every interval while running', async () => {
    const stream = recorder();
    const progress = new ProgressDisplay({ mode: 'plain', stream, plainIntervalMs: 20 });
    progress.start();
    progress.onEvent(job('queued', 'a', 'square'));
    progress.onEvent(job('queued', 'b', 'square'));
    progress.onEvent(job('started', 'a', 'square'));
    await new Promise((resolve) => setTimeout(resolve, 70));
    progress.finish('done');
    assert.match(stream.text, /^baton: \[\S+\] 0 done, 1 running, 1 queued$/m);
  });

  test('tty mode redraws one block of counts per task and replaces it by the summary', async () => {
    const stream = recorder(true);
    const progress = new ProgressDisplay({ mode: 'tty', stream });
    progress.start();
    for (let i = 0; i < 10; i++) progress.onEvent(job('queued', `s${i}`, 'square'));
    for (let i = 0; i < 4; i++) {
      progress.onEvent(job('started', `s${i}`, 'square', { time: Date.now() - 1000 }));
      progress.onEvent(job('finished', `s${i}`, 'square'));
    }
    progress.onEvent(job('started', 's4', 'square'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const drawn = stream.text;
    assert.match(drawn, /task +queued +running +done +cached +failed/);
    assert.match(drawn, /square +5 +1 +4 +0 +0/);
    assert.match(drawn, /4 of 10 calls finished · ETA ~/);
    progress.log('a message');
    progress.finish('done');
    const visible = stream.text.replace(CLEAR_BLOCK, '<clear>');
    assert.match(visible, /<clear>a message\n/, 'a message clears the block first');
    assert.match(visible, /<clear>baton: done in \S+ — 10 calls: 4 ran, 0 cached, 6 unfinished\n$/);
  });

  test('counting 100,000 jobs is cheap', () => {
    const progress = new ProgressDisplay({ mode: 'plain', stream: recorder() });
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) {
      const id = `j${i}`;
      progress.onEvent(job('queued', id, `task${i % 7}`));
      progress.onEvent(job('started', id, `task${i % 7}`));
      progress.onEvent(job('finished', id, `task${i % 7}`));
    }
    const elapsed = performance.now() - started;
    assert.match(progress.summary('done'), /100000 calls: 100000 ran/);
    assert.ok(elapsed < 2000, `took ${elapsed.toFixed(0)} ms`);
  });
});
