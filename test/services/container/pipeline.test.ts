// A rechunker-like pipeline whose every call runs in a container (podman + runc), data through a
// folder mounted at the same path inside and out.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';
import { executePipelines, Pipeline, Scheduler, Stage } from '../../../src/index.ts';
import { project } from '../../cli/helpers.ts';
import type { RechunkConfig } from '../../map/fixtures/rechunk.ts';
import {
  BATON_COMMAND,
  BATON_REPO,
  ENGINE,
  ENGINE_ARGS,
  IMAGE,
  RUN_ARGS,
  engineMissing,
  ensureImage,
} from './image.ts';

const missing = engineMissing();
const list = (values: string[]) => `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;

describe('pipelines on the container executor', { skip: missing }, () => {
  before(() => ensureImage());

  test('a rechunk pipeline copies through an intermediate layout with every call in a container', async (t) => {
    const p = project(t, { config: false });
    const data = join(p.dir, 'data');
    p.write(
      'baton.toml',
      [
        '[executors.box]',
        'type = "container"',
        `engine = ${JSON.stringify(ENGINE)}`,
        `engine_args = ${list(ENGINE_ARGS)}`,
        `image = ${JSON.stringify(IMAGE)}`,
        `run_args = ${list(RUN_ARGS)}`,
        'network = "none"',
        `baton_command = ${list(BATON_COMMAND)}`,
        `volumes = ${list([`${BATON_REPO}:/opt/baton:ro`, `${data}:${data}`])}`,
        '',
      ].join('\n'),
    );
    // The fixture's tasks, in the project (so they travel in its code package), importing `baton`.
    const fixture = readFileSync(new URL('../../map/fixtures/rechunk.ts', import.meta.url), 'utf8');
    p.write('rechunk.ts', fixture.replace("from '../../../src/index.ts'", "from 'baton'"));
    p.write('data/.keep', '');
    const module = (await import(
      pathToFileURL(join(p.dir, 'rechunk.ts')).href
    )) as typeof import('../../map/fixtures/rechunk.ts');
    const settings: RechunkConfig = { dir: data, size: 8, rowsPerSource: 4, colsPerTarget: 4 };
    const sources = module.writeSource(settings);
    const scheduler = new Scheduler({ config: join(p.dir, 'baton.toml'), cwd: p.dir });
    const pipeline = new Pipeline({
      stages: [new Stage(module.toIntermediate, sources), new Stage(module.toTarget, [0, 1])],
      config: settings,
    });
    let results;
    try {
      results = await executePipelines(pipeline, { scheduler, executor: 'box' });
    } finally {
      await scheduler.close(); // also waits for the containers to be removed
    }
    assert.deepEqual(results, [
      [
        [2, 2],
        [0, 1],
      ],
    ]);
    for (const b of [0, 1]) {
      const columns = JSON.parse(readFileSync(join(data, 'target', `cols-${b}.json`), 'utf8')) as number[][];
      columns.forEach((column, j) => {
        const c = b * 4 + j;
        assert.deepEqual(
          column,
          Array.from({ length: 8 }, (_, r) => r * 100 + c),
        );
      });
    }
    const left = execFileSync(
      ENGINE,
      [...ENGINE_ARGS, 'ps', '--all', '--filter', 'label=baton.executor=box', '--format', '{{.Names}}'],
      { encoding: 'utf8' },
    );
    assert.equal(left.trim(), '');
  });
});
