// The dashboard in headless Chromium on real runs: from the executions list to a failed job's stack
// trace, markup in values shown as text, and a run in progress followed live, both by `baton ui`
// reading the store and by `baton run --ui` fed by the run's events; never a console error.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { describe, test } from 'node:test';
import { project, waitFor, type Project } from '../../cli/helpers.ts';
import { needsChromium, openBrowser } from './browser.ts';

const WORKFLOW = `import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { task } from 'baton';

export const square = task('square', (x: number) => {
  if (x === 3) throw new RangeError('three is <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>');
  return x * x;
});
export const label = task('label', (x: number) => '<b onclick="window.__xss=3">' + x + '</b>');
export const main = task('main', (n: number) => [label(n), ...Array.from({ length: n }, (_, i) => square(i))]);

/** Waits until the test opens its gate file. */
export const step = task('step', async (i: number, dir: string) => {
  while (!existsSync(join(dir, 'gate-' + i))) await new Promise((resolve) => setTimeout(resolve, 25));
  return i;
});
export const gated = task('gated', (n: number, dir: string) => Array.from({ length: n }, (_, i) => step(i, dir)));
`;

function urlIn(text: string): string | undefined {
  return /(http:\/\/\S+)/.exec(text)?.[1];
}

/** Starts a process that prints the dashboard URL (on stdout or stderr) and gives the URL. */
async function dashboardOf(
  t: Parameters<typeof project>[0],
  p: Project,
  args: string[],
): Promise<{ url: string; child: ChildProcess }> {
  let printed = '';
  const { child, done } = p.start(args);
  child.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  t.after(async () => {
    child.kill('SIGINT');
    await done;
  });
  await waitFor(() => urlIn(printed) !== undefined, `the dashboard URL of baton ${args.join(' ')}`);
  return { url: urlIn(printed)!, child };
}

describe('dashboard in a browser', needsChromium, () => {
  test('follows a failed run from the list to the failed job and its stack, showing markup as text', async (t) => {
    const p = project(t);
    p.write('wf.ts', WORKFLOW);
    const run = await p.baton(['run', 'wf.ts', 'main', '--n', '5']);
    assert.equal(run.code, 1, 'the run fails on square(3)');
    const { url } = await dashboardOf(t, p, ['ui', '--port', '0']);
    const { page, problems, screenshot } = await openBrowser(t);

    await page.goto(url);
    await page.locator('body[data-ready="executions"]').waitFor({ state: 'attached' });
    const row = page.locator('table.executions tbody tr').first();
    await assert.doesNotReject(row.locator('.badge.failed').waitFor());
    assert.match(await row.innerText(), /main[\s\S]*failed[\s\S]*7/);
    await screenshot('executions');

    await row.locator('a').first().click();
    await page.locator('body[data-ready="execution"]').waitFor({ state: 'attached' });
    await page.locator('.tree li.node').first().waitFor();
    await page.locator('canvas.timeline').waitFor();
    await page.locator('.histogram-svg').waitFor();
    await screenshot('execution');

    await page.locator('.counts button.failed').click();
    const failedRows = page.locator('.jobs-table tbody tr.status-failed');
    await page.locator('.pager', { hasText: '1–2 of 2' }).waitFor();
    const squareRow = failedRows.filter({ hasText: 'square' });
    assert.match(await squareRow.innerText(), /RangeError: three is <img src=x onerror="window.__xss=1">/);
    await squareRow.locator('a').first().click();

    await page.locator('body[data-ready="job"]').waitFor({ state: 'attached' });
    const stack = await page.locator('pre.stack').innerText();
    assert.match(stack, /RangeError: three is <img/);
    assert.match(stack, /at .*wf\.ts:\d+:\d+/);
    assert.match(await page.locator('pre.code').innerText(), /throw new RangeError/);
    await screenshot('failed-job');

    // Markup in an error, a result and the task source is text: no element was made from it, nothing ran.
    assert.equal(await page.locator('main img, main script, main b').count(), 0);
    await page.goto(url);
    await page.locator('body[data-ready="executions"]').waitFor({ state: 'attached' });
    assert.equal(await page.evaluate('window.__xss'), undefined);
    assert.deepEqual(problems, []);
  });

  for (const mode of ['baton ui', 'baton run --ui'] as const) {
    test(`watches a run advance live (${mode})`, async (t) => {
      const p = project(t);
      p.write('wf.ts', WORKFLOW);
      const runArgs = ['run', 'wf.ts', 'gated', '--n', '4', '--dir', p.dir];
      let url: string;
      let running: ChildProcess;
      if (mode === 'baton ui') {
        ({ url } = await dashboardOf(t, p, ['ui', '--port', '0']));
        const started = p.start(runArgs);
        running = started.child;
        t.after(async () => {
          running.kill('SIGKILL');
          await started.done;
        });
      } else {
        ({ url, child: running } = await dashboardOf(t, p, [...runArgs, '--ui', '--ui-port', '0']));
      }
      const { page, problems, screenshot } = await openBrowser(t);
      await page.goto(url);
      await page.locator('body[data-ready="executions"]').waitFor({ state: 'attached' });
      const row = page.locator('table.executions tbody tr', { hasText: 'gated' });
      await row.waitFor({ timeout: 20_000 });
      await row.locator('a').first().click();
      await page.locator('body[data-ready="execution"]').waitFor({ state: 'attached' });
      const counts = page.locator('p.counts');
      await page.locator('p.counts', { hasText: '5 jobs' }).waitFor({ timeout: 20_000 });
      assert.doesNotMatch(await counts.innerText(), /\d+ done/, 'nothing has finished before a gate opens');
      await screenshot(`live-start-${mode.replaceAll(' ', '-')}`);

      for (const i of [0, 1]) p.write(`gate-${i}`, '');
      await page.locator('p.counts', { hasText: '2 done' }).waitFor({ timeout: 20_000 });
      await page.locator('.jobs-table tbody .badge.done').nth(1).waitFor();
      await screenshot(`live-middle-${mode.replaceAll(' ', '-')}`);

      for (const i of [2, 3]) p.write(`gate-${i}`, '');
      if (mode === 'baton ui') {
        await page.locator('.head .badge.done').waitFor({ timeout: 20_000 });
        assert.match(await counts.innerText(), /5 done/);
      } else {
        // The run ends and takes its dashboard with it: the page says so.
        await page.locator('#banner:not([hidden])').waitFor({ timeout: 20_000 });
      }
      await waitFor(() => running.exitCode !== null, 'the run to end');
      assert.equal(running.exitCode, 0);
      await screenshot(`live-end-${mode.replaceAll(' ', '-')}`);
      assert.deepEqual(problems, []);
    });
  }
});
