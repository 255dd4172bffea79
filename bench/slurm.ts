// Slurm executor: 500 short tasks submitted as array jobs with the defaults (a burst packed into two
// elements per partition CPU) against the same 500 submitted one sbatch each (max_array_size = 1,
// calls_per_element = 1), in one run, on the cluster scripts/ensure-slurm.sh sets up. Printed beside:
// array jobs with one call per element (calls_per_element = 1), and bare Slurm running `true`.
//   node --conditions=baton-source bench/slurm.ts [calls]
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Scheduler, type Expr } from '../src/index.ts';
import { BATON_COMMAND, BATON_REPO, SETUP, slurmMissing } from '../test/services/slurm/cluster.ts';
import { report, timed } from './harness.ts';

const CALLS = Number(process.argv[2] ?? 500);
const run = promisify(execFile);

const missing = slurmMissing();
if (missing) throw new Error(missing);

/** Task names are unique per process, so each side's module names its own. */
const workflow = (side: string) => `import { task } from 'baton';
export const short = task('short_${side}', (i: number) => i + 1, { executor: 'hpc' });
export const fan = task('fan_${side}', (n: number) => Array.from({ length: n }, (_, i) => short(i)));
`;

/** A project inside the repository (so `import 'baton'` resolves here, as on the nodes). */
function sideProject(side: string, maxArraySize: number, callsPerElement: string): string {
  const dir = mkdtempSync(join(BATON_REPO, 'bench', '.tmp-slurm-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const list = (values: string[]) => `[${values.map((value) => JSON.stringify(value)).join(', ')}]`;
  writeFileSync(
    join(dir, 'baton.toml'),
    [
      '[executors.hpc]',
      'type = "slurm"',
      `baton_command = ${list(BATON_COMMAND)}`,
      `setup = ${list(SETUP)}`,
      `max_array_size = ${maxArraySize}`,
      `calls_per_element = ${callsPerElement}`,
      'poll_interval = 0.25',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'wf.ts'), workflow(side));
  return dir;
}

/** How many sbatch calls a side made: the distinct Slurm job ids in its records. */
function submissions(dir: string): number {
  const jobs = join(dir, '.baton/scratch/jobs');
  const ids = new Set<string>();
  for (const hash of readdirSync(jobs)) {
    try {
      ids.add((JSON.parse(readFileSync(join(jobs, hash, 'slurm'), 'utf8')) as { jobId: string }).jobId);
    } catch {
      // the local top-level call has no record
    }
  }
  return ids.size;
}

async function side(
  name: string,
  maxArraySize: number,
  callsPerElement: string,
): Promise<{ ms: number; sbatch: number }> {
  const dir = sideProject(name, maxArraySize, callsPerElement);
  const { fan } = (await import(pathToFileURL(join(dir, 'wf.ts')).href)) as {
    fan: (n: number) => Expr<number[]>;
  };
  const scheduler = new Scheduler({ config: join(dir, 'baton.toml'), cwd: dir });
  try {
    const { ms, value } = await timed(() => scheduler.run(fan(CALLS), { cache: 'none' }));
    if (value.length !== CALLS || value.some((v, i) => v !== i + 1))
      throw new Error(`${name}: wrong results`);
    await scheduler.flush();
    return { ms, sbatch: submissions(dir) };
  } finally {
    await scheduler.close();
  }
}

/**
 * The ceiling on this cluster: the same number of jobs that run `true`, without Baton, as one array
 * job or as one sbatch each (four at a time, as the executor submits), until squeue lists none.
 */
async function bare(arrays: boolean): Promise<number> {
  const name = `baton-bench-bare-${process.pid}-${arrays ? 'array' : 'single'}`;
  const sbatch = (extra: string[]) =>
    run('sbatch', ['--parsable', `--job-name=${name}`, '--output=/dev/null', ...extra, '--wrap=true']);
  const { ms } = await timed(async () => {
    if (arrays) await sbatch([`--array=0-${CALLS - 1}`]);
    else {
      let next = 0;
      const submitter = async () => {
        while (next < CALLS) {
          next++;
          await sbatch([]);
        }
      };
      await Promise.all([submitter(), submitter(), submitter(), submitter()]);
    }
    for (;;) {
      const { stdout } = await run('squeue', ['--noheader', `--name=${name}`, '--format=%i']);
      if (stdout.trim() === '') return;
      await sleep(250);
    }
  });
  return ms;
}

const arrays = await side('arrays', 1000, '"auto"');
const singles = await side('singles', 1, '1');
const unpacked = await side('unpacked', 1000, '1');
const bareArray = await bare(true);
const bareSingles = await bare(false);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
report({
  name: `slurm: ${CALLS} short tasks, array jobs vs single submissions`,
  detail:
    `array jobs ${seconds(arrays.ms)} (${arrays.sbatch} sbatch), ` +
    `single submissions ${seconds(singles.ms)} (${singles.sbatch} sbatch); ` +
    `array jobs of one call per element ${seconds(unpacked.ms)} (${unpacked.sbatch} sbatch, ` +
    `${(singles.ms / unpacked.ms).toFixed(2)}x); ` +
    `bare Slurm, ${CALLS} jobs running true: one array ${seconds(bareArray)}, ` +
    `single sbatch ${seconds(bareSingles)} (${(bareSingles / bareArray).toFixed(2)}x)`,
  value: singles.ms / arrays.ms,
  unit: 'x faster as array jobs',
  target: { min: 3 },
});
