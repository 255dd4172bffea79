// Code packaging of a 2,000-file project: the time to build and upload its package, and the second
// call, which builds again (to learn the hash) but finds the package in scratch and uploads nothing.
//   node --conditions=baton-source bench/code-package.ts [files]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCodePackage, publishCodePackage } from '../src/packaging/index.ts';
import { FsScratch } from '../src/scratch/index.ts';
import { timed } from './harness.ts';

const FILES = Number(process.argv[2] ?? 2000);

const base = mkdtempSync(join(tmpdir(), 'baton-bench-package-'));
process.once('exit', () => rmSync(base, { recursive: true, force: true }));
const root = join(base, 'project');
for (let i = 0; i < FILES; i++) {
  const dir = join(root, 'src', `module-${Math.floor(i / 50)}`);
  mkdirSync(dir, { recursive: true });
  const body = `export const value${i} = ${i};\n`.repeat(40);
  writeFileSync(join(dir, `file-${i}.ts`), body);
}
writeFileSync(join(root, 'package.json'), '{"name":"bench-project","type":"module"}\n');
const scratch = new FsScratch(join(base, 'scratch'));

async function once() {
  const built = await timed(() => buildCodePackage({ root }));
  const published = await timed(() => publishCodePackage(scratch, built.value));
  return { built, published };
}

const first = await once();
const second = await once();
if (!first.published.value.uploaded) throw new Error('the first call should upload');
if (second.published.value.uploaded) throw new Error('the second call should find the package in scratch');
if (first.built.value.hash !== second.built.value.hash) throw new Error('the same files gave another hash');
const kib = Math.ceil(first.built.value.bytes.length / 1024);
const ms = (value: number) => `${value.toFixed(0)} ms`;
console.log(
  `code package of ${first.built.value.files.length} files (${kib} KiB): ` +
    `first call build ${ms(first.built.ms)} + upload ${ms(first.published.ms)}; ` +
    `second call build ${ms(second.built.ms)} + check ${ms(second.published.ms)}, uploaded: no`,
);
