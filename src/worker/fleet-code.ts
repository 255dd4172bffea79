// Where a fleet worker finds a task's module: at the very path the scheduler named when this machine
// has that file (a shared filesystem, or the same host), else inside the code package from scratch.
import { existsSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WorkflowError } from '../errors.ts';
import type { Scratch } from '../scratch/index.ts';
import { linkBaton } from './oneshot.ts';

export interface TaskModule {
  module: string;
  path: string;
  name: string;
}

export class CodeLocator {
  private readonly scratch: Scratch;
  private readonly codeCache: string;
  private readonly packages = new Map<string, Promise<string>>();
  private readonly resolved = new Map<string, Promise<string>>();

  constructor(scratch: Scratch, codeCache: string) {
    this.scratch = scratch;
    this.codeCache = codeCache;
  }

  /** The file URL to import for a task; code packages are fetched and extracted once per hash. */
  moduleUrl(ref: TaskModule, codePackage: string | undefined): Promise<string> {
    const id = `${ref.module}\0${ref.path}\0${codePackage ?? ''}`;
    let url = this.resolved.get(id);
    if (!url) {
      url = this.locate(ref, codePackage);
      this.resolved.set(id, url);
      url.catch(() => this.resolved.delete(id));
    }
    return url;
  }

  private async locate(ref: TaskModule, codePackage: string | undefined): Promise<string> {
    const local = ref.module.startsWith('file:') ? fileURLToPath(ref.module) : ref.module;
    if (local !== '' && existsSync(local)) return pathToFileURL(local).href;
    if (codePackage === undefined || ref.path === '') {
      throw new WorkflowError(`task ${ref.name}: its module ${local} is not on this machine`, {
        hint:
          ref.path === ''
            ? 'keep workflow modules under the folder of baton.toml, so they go in the code package'
            : 'give the fleet executor a scratch that workers share, so the code package reaches them',
      });
    }
    const root = await this.fetch(codePackage);
    const file = resolve(root, ref.path);
    if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) {
      throw new WorkflowError(`task ${ref.name} names module ${ref.path}, outside its code package`, {
        hint: 'the queue job is damaged: run the workflow again',
      });
    }
    return pathToFileURL(file).href;
  }

  private fetch(hash: string): Promise<string> {
    let root = this.packages.get(hash);
    if (!root) {
      root = (async () => {
        // Loaded here, so a worker whose tasks are all on its filesystem never loads tar.
        const { fetchCodePackage } = await import('../packaging/index.ts');
        const extracted = await fetchCodePackage(this.scratch, hash, this.codeCache);
        await linkBaton(extracted);
        return extracted;
      })();
      this.packages.set(hash, root);
      root.catch(() => this.packages.delete(hash));
    }
    return root;
  }
}
