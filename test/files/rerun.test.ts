import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { registerExecutor } from '../../src/executors/index.ts';
import { File } from '../../src/files/index.ts';
import { run, type SchedulerEvent } from '../../src/scheduler/index.ts';
import { task } from '../../src/task/index.ts';
import { createExecutor } from '../scheduler/fixtures/inline-executor.ts';
import { projectConfig, tempDir, writeIn } from './helpers.ts';

// Jobs run in this process, so the tests can count what ran.
registerExecutor('files-inline', createExecutor);

const temp = tempDir('rerun');
after(temp.remove);
const config = projectConfig(temp.dir, { type: 'files-inline' });

const ran: string[] = [];
const lineCount = task('rerunLineCount', async (data: File) => {
  ran.push('lineCount');
  return (await data.readText()).trim().split('\n').length;
});
const scale = task('rerunScale', (factor: number) => {
  ran.push('scale');
  return factor * 10;
});
const report = task('rerunReport', (lines: number, scaled: number) => {
  ran.push('report');
  return `${lines} lines, scale ${scaled}`;
});

/** Runs the workflow over `data` and gives its value and the tasks that ran (the rest were cache hits). */
async function runOver(data: File): Promise<{ value: string; ran: string[]; cached: string[] }> {
  ran.length = 0;
  const events: SchedulerEvent[] = [];
  const value = await run(report(lineCount(data), scale(3)), {
    config,
    onEvent: (event) => events.push(event),
  });
  const cached = events.filter((event) => event.type === 'cached').map((event) => event.taskName);
  return { value, ran: [...ran].sort(), cached: cached.sort() };
}

describe('a re-run after an input file changed', () => {
  test('runs again exactly the calls that read the file and those downstream of them', async () => {
    const path = writeIn(temp.dir, 'data.csv', 'a\nb\n');
    const first = await runOver(new File(path));
    assert.equal(first.value, '2 lines, scale 30');
    assert.deepEqual(first.ran, ['lineCount', 'report', 'scale']);

    const unchanged = await runOver(new File(path));
    assert.deepEqual(unchanged.ran, [], 'nothing changed: every call is a cache hit');

    writeFileSync(path, 'a\nb\nc\n');
    const edited = await runOver(new File(path));
    assert.equal(edited.value, '3 lines, scale 30');
    assert.deepEqual(
      edited.ran,
      ['lineCount', 'report'],
      'the call that does not read the file stays cached',
    );
    assert.deepEqual(edited.cached, ['rerunScale']);
  });

  test('by content, rewriting the same bytes is no change, and new bytes are', async () => {
    const path = writeIn(temp.dir, 'stable.csv', 'x\n');
    const content = () => new File(path, { hash: 'content' });
    assert.deepEqual((await runOver(content())).ran, ['lineCount', 'report'], 'scale(3) ran before');

    writeFileSync(path, 'x\n'); // a new modification time, the same bytes
    assert.deepEqual((await runOver(content())).ran, []);
    const byStat = await runOver(new File(path));
    assert.ok(byStat.ran.includes('lineCount'), 'by stat, the same file is another input');

    writeFileSync(path, 'x\ny\nz\nw\n');
    const changed = await runOver(content());
    assert.equal(changed.value, '4 lines, scale 30');
    assert.deepEqual(changed.ran, ['lineCount', 'report']);
  });

  test('a File missing when the run starts fails the call that takes it, naming the file', async () => {
    const missing = join(temp.dir, 'not-there.csv');
    await assert.rejects(runOver(new File(missing)), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal(error.name, 'SerializationError');
      assert.ok(error.message.includes(missing), error.message);
      assert.match(error.message, /rerunLineCount/);
      return true;
    });
  });
});
