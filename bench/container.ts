// Container executor: the per-job time of a trivial task through the executor (stage the input, run
// the container, wait, read the outcome) beside a bare `podman run --rm` of the same command line on
// an input staged beforehand. Needs podman and runc (see TESTBED.md); builds its image like the tests.
//   node --conditions=baton-source bench/container.ts [rounds]
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeValue, decodeValue } from '../src/codec/index.ts';
import { ContainerExecutor, resolveContainerOptions } from '../src/executors/container/index.ts';
import type { ExecutorContext, JobRequest } from '../src/executors/index.ts';
import { RemotePlumbing } from '../src/executors/remote/plumbing.ts';
import { definitionHash, getTask, resolveTaskOptions } from '../src/task/index.ts';
import {
  BATON_COMMAND,
  BATON_REPO,
  ENGINE,
  ENGINE_ARGS,
  IMAGE,
  RUN_ARGS,
  engineMissing,
  ensureImage,
} from '../test/services/container/image.ts';
import { median, report } from './harness.ts';

const ROUNDS = Number(process.argv[2] ?? 12);
const WARMUP = 2;

const missing = engineMissing();
if (missing) throw new Error(missing);
ensureImage();

// Inside the repository, so the workflow's `import 'baton'` resolves here as in the image.
const root = mkdtempSync(join(BATON_REPO, 'bench', '.tmp-container-'));
process.once('exit', () => rmSync(root, { recursive: true, force: true }));
writeFileSync(
  join(root, 'wf.ts'),
  "import { task } from 'baton';\nexport const noop = task('noop', (i: number) => i + 1);\n",
);
const moduleUrl = pathToFileURL(join(root, 'wf.ts')).href;
await import(moduleUrl);

const section = {
  type: 'container',
  engine: ENGINE,
  engine_args: ENGINE_ARGS,
  image: IMAGE,
  run_args: RUN_ARGS,
  network: 'none',
  volumes: [`${BATON_REPO}:/opt/baton:ro`],
  baton_command: BATON_COMMAND,
};
const options = resolveContainerOptions('box', section);
const quiet = { info: () => {}, warn: () => {}, debug: () => {} };
const ctx: ExecutorContext = { cwd: root, root, logger: quiet, emit: () => {} };
const executor = new ContainerExecutor('box', options);
await executor.start(ctx);
const plumbing = new RemotePlumbing('box', options);
await plumbing.start(ctx);

const def = getTask('noop')!;
function job(i: number): JobRequest {
  return {
    jobId: `bench-${i}`,
    evalHash: randomBytes(32).toString('hex'),
    task: { module: moduleUrl, name: 'noop', hash: definitionHash(def) },
    args: encodeValue([i]),
    options: resolveTaskOptions({ executor: 'box' }, 'noop'),
    attempt: 1,
  };
}

async function throughExecutor(i: number): Promise<number> {
  const began = performance.now();
  const outcome = await executor.run(job(i), new AbortController().signal);
  const took = performance.now() - began;
  if (!outcome.ok || decodeValue(outcome.value) !== i + 1) throw new Error(`job ${i} failed`);
  return took;
}

async function bare(i: number): Promise<number> {
  const request = job(i);
  await plumbing.stage(request);
  const { args, env } = executor.runCommand(request);
  const at = args.indexOf('--name');
  args.splice(at, 2, '--rm');
  const began = performance.now();
  execFileSync(ENGINE, [...ENGINE_ARGS, ...args], { env, stdio: 'ignore' });
  const took = performance.now() - began;
  const outcome = await plumbing.files(request.evalHash).outcome();
  if (!outcome?.ok || decodeValue(outcome.value) !== i + 1) throw new Error(`bare job ${i} failed`);
  return took;
}

const viaExecutor: number[] = [];
const viaBare: number[] = [];
for (let i = -WARMUP; i < ROUNDS; i++) {
  // In turn, so the machine's drift falls on both.
  const b = await bare(i + 1_000_000);
  const e = await throughExecutor(i);
  if (i >= 0) {
    viaBare.push(b);
    viaExecutor.push(e);
  }
}
await executor.stop();
await plumbing.stop();

const ms = (values: number[]) => `${median(values).toFixed(0)} ms`;
report({
  name: 'container executor per-job overhead',
  detail: `median per job: executor ${ms(viaExecutor)} vs bare podman run --rm ${ms(viaBare)} (${ROUNDS} jobs each, in turn, after ${WARMUP} warm-up)`,
  value: median(viaExecutor) / median(viaBare),
  unit: 'x bare podman run',
  target: { max: 1.3 },
});
