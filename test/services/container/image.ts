// A job image built on this machine (no registry can be reached): a root filesystem holding this
// Node binary with the libraries it links, /bin/sh and a few tools, imported with `podman import`.
// Baton itself is bind-mounted at /opt/baton, as an image would install it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ENGINE = 'podman';
/** crun fails on this machine's cgroups; runc works (TESTBED.md). */
export const ENGINE_ARGS = ['--runtime', 'runc'];
/** Limits podman cannot raise here; no registry can be reached, so never try to pull. */
export const RUN_ARGS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1000:1000', '--pull=never'];
export const IMAGE = 'localhost/baton-test-node:1';
export const BATON_REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
export const BATON_COMMAND = [
  '/usr/local/bin/node',
  '--conditions=baton-source',
  '/opt/baton/src/cli/main.ts',
];

/** Whether podman and runc can run here; under CI=true their absence is a failure, not a skip. */
export function engineMissing(): string | undefined {
  try {
    execFileSync(ENGINE, ['--version'], { stdio: 'ignore' });
    execFileSync('runc', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    const reason = 'podman and runc are needed: apt-get install -y podman runc (see TESTBED.md)';
    if (process.env.CI === 'true') throw new Error(reason);
    return reason;
  }
}

function libraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return [...out.matchAll(/(\/\S+\.so[.\d]*)/g)].map((match) => match[1]!);
}

/** Builds IMAGE unless it exists. */
export function ensureImage(): void {
  try {
    execFileSync(ENGINE, [...ENGINE_ARGS, 'image', 'exists', IMAGE], { stdio: 'ignore' });
    return;
  } catch {
    // not there yet
  }
  const root = mkdtempSync(join(tmpdir(), 'baton-rootfs-'));
  try {
    const binaries: Array<[string, string]> = [
      [process.execPath, '/usr/local/bin/node'],
      ['/bin/dash', '/bin/sh'],
      ...['cat', 'sleep', 'ls', 'wc', 'mkdir', 'cp'].map((tool): [string, string] => [
        execFileSync('which', [tool], { encoding: 'utf8' }).trim(),
        `/bin/${tool}`,
      ]),
    ];
    const copy = (from: string, to: string) => {
      mkdirSync(join(root, dirname(to)), { recursive: true });
      copyFileSync(from, join(root, to));
    };
    for (const [from, to] of binaries) {
      copy(from, to);
      for (const lib of libraries(from)) copy(lib, lib);
    }
    for (const dir of ['tmp', 'opt/baton', 'etc']) mkdirSync(join(root, dir), { recursive: true });
    const tarball = join(tmpdir(), `${basename(root)}.tar`);
    execFileSync('tar', ['-C', root, '-cf', tarball, '.']);
    try {
      execFileSync(ENGINE, [...ENGINE_ARGS, 'import', '--quiet', tarball, IMAGE], { stdio: 'ignore' });
    } finally {
      rmSync(tarball, { force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
