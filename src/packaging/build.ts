// Builds the code package: a deterministic .tar.gz of the project's sources, named by its sha256.
import { glob, readFile, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { Header, PackSync, ReadEntry } from 'tar';
import { ExecutorError } from '../errors.ts';
import { sha256 } from '../hash/index.ts';

/** What goes into a code package. */
export interface CodePackageOptions {
  /** The project folder; archive paths are relative to it. */
  root: string;
  /**
   * Globs (relative to `root`) of the files to pack. Given, they replace the defaults. Files and folders
   * whose name starts with a dot are matched only by a glob that names the dot.
   * @default DEFAULT_INCLUDE: TypeScript and JavaScript sources, JSON, package.json and the lockfiles
   */
  include?: readonly string[];
  /**
   * Globs of files to leave out, added to ALWAYS_EXCLUDE (which no option can take back).
   * @default []
   */
  exclude?: readonly string[];
}

export interface CodePackage {
  /** sha256 (hex) of `bytes`; the package's name in scratch (`code/<hash>.tar.gz`). */
  hash: string;
  /** The .tar.gz archive. */
  bytes: Uint8Array;
  /** Archive paths of the packed files, `/`-separated, in archive order. */
  files: string[];
}

export const DEFAULT_INCLUDE: readonly string[] = [
  '**/*.{ts,mts,cts,js,mjs,cjs,json}',
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'yarn.lock',
];

// Both forms: the bare folder lets the walk skip it without listing it.
export const ALWAYS_EXCLUDE: readonly string[] = [
  '**/node_modules',
  '**/node_modules/**',
  '**/.baton',
  '**/.baton/**',
  '**/.git',
  '**/.git/**',
];

// Fixed metadata, so that the archive depends on nothing but the files' paths and contents.
const EPOCH = new Date(0);
const FILE_MODE = 0o644;

/**
 * Packs the files under `root` that match `include` and not `exclude` into a .tar.gz whose bytes depend
 * only on the files' paths and contents: entries sorted, mtime 0, mode 0644, no owner, no directory
 * entries, gzip header without time or OS. The same sources give the same hash on every run.
 */
export async function buildCodePackage(options: CodePackageOptions): Promise<CodePackage> {
  const { root } = options;
  const include = options.include ?? DEFAULT_INCLUDE;
  const exclude = [...ALWAYS_EXCLUDE, ...(options.exclude ?? [])];
  await requireFolder(root);

  const matched = new Set<string>();
  for await (const path of glob(include, { cwd: root, exclude })) {
    matched.add(sep === '/' ? path : path.split(sep).join('/'));
  }
  // Plain code-unit order: the same on every machine, unlike localeCompare.
  const candidates = [...matched].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const files: string[] = [];
  const contents: Buffer[] = [];
  for (const path of candidates) {
    const absolute = join(root, path);
    // Only regular files (or links to them): a matched folder or socket has no contents to pack.
    if (!(await stat(absolute)).isFile()) continue;
    files.push(path);
    contents.push(await readFile(absolute));
  }
  if (files.length === 0) {
    throw new ExecutorError(`no files to package under ${root}`, undefined, {
      hint: `check the code package include globs (${include.join(', ')}) and exclude globs`,
    });
  }

  const bytes = packTarGz(files, contents);
  return { hash: sha256(bytes), bytes, files };
}

function packTarGz(paths: string[], contents: Buffer[]): Uint8Array {
  // portable: no uid/gid/uname/gname/atime/ctime, and the gzip OS byte set to 255 ("unknown").
  const pack = new PackSync({ portable: true, mtime: EPOCH, gzip: { level: 9 }, strict: true });
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: Buffer) => chunks.push(chunk));
  paths.forEach((path, i) => {
    const data = contents[i] as Buffer;
    // Entries made from headers, not from lstat, so the file's own mode and times never show through.
    const entry = new ReadEntry(
      new Header({ path, type: 'File', size: data.length, mode: FILE_MODE, mtime: EPOCH }),
    );
    pack.add(entry);
    entry.end(data);
  });
  pack.end();
  const archive = Buffer.concat(chunks);
  return new Uint8Array(archive.buffer, archive.byteOffset, archive.byteLength);
}

async function requireFolder(root: string): Promise<void> {
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new ExecutorError(`the code root ${root} is not a folder`, undefined, {
      hint: 'point the code package at the project folder that holds package.json',
    });
  }
}
