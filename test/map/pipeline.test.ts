// Rechunker-style pipelines: stages in order, each a barrier, pipelines side by side, on threads and processes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { UsageError } from '../../src/errors.ts';
import { executePipelines, Pipeline, Scheduler, Stage } from '../../src/index.ts';
import { mapProject } from './helpers.ts';
import { toIntermediate, toTarget, writeSource, type RechunkConfig } from './fixtures/rechunk.ts';

const { dir, config } = mapProject('baton-pipeline-');

function rechunkPipeline(
  name: string,
  size: number,
): { pipeline: Pipeline<RechunkConfig>; settings: RechunkConfig } {
  const settings: RechunkConfig = { dir: join(dir, name), size, rowsPerSource: 2, colsPerTarget: 4 };
  const sources = writeSource(settings);
  const targets = Array.from({ length: size / settings.colsPerTarget }, (_, b) => b);
  const pipeline = new Pipeline({
    stages: [
      new Stage(toIntermediate, sources, 'to-intermediate'),
      new Stage(toTarget, targets, 'to-target'),
    ],
    config: settings,
  });
  return { pipeline, settings };
}

function checkTarget(settings: RechunkConfig): void {
  for (let b = 0; b < settings.size / settings.colsPerTarget; b++) {
    const columns = JSON.parse(
      readFileSync(join(settings.dir, 'target', `cols-${b}.json`), 'utf8'),
    ) as number[][];
    columns.forEach((column, j) => {
      const c = b * settings.colsPerTarget + j;
      assert.deepEqual(
        column,
        Array.from({ length: settings.size }, (_, r) => r * 100 + c),
        `column ${c}`,
      );
    });
  }
}

describe('pipelines', () => {
  for (const mode of ['threads', 'processes'] as const) {
    test(`two rechunk pipelines side by side on ${mode}: each stage finishes before the next`, async (t) => {
      const base = config(`pipeline-${mode}`);
      const scheduler = new Scheduler({
        cwd: dir,
        config: { ...base, executors: { default: { type: 'local', mode, max_workers: 2 } } },
      });
      t.after(() => scheduler.close());
      const a = rechunkPipeline(`a-${mode}`, 8);
      const b = rechunkPipeline(`b-${mode}`, 12);
      const results = await executePipelines([a.pipeline, b.pipeline], { scheduler });
      assert.deepEqual(results, [
        [
          [2, 2, 2, 2],
          [0, 1],
        ],
        [
          [3, 3, 3, 3, 3, 3],
          [0, 1, 2],
        ],
      ]);
      checkTarget(a.settings);
      checkTarget(b.settings);
    });
  }

  test('a Pipeline without stages, or with something that is not a Stage, is a UsageError', () => {
    assert.throws(() => new Pipeline({ stages: [], config: {} }), UsageError);
    assert.throws(
      () => new Pipeline({ stages: [toTarget as never], config: {} }),
      /stage 0 of the pipeline is not a Stage/,
    );
  });
});
