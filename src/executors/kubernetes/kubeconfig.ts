// Finding the cluster: the section's `kubeconfig`, else $KUBECONFIG, else ~/.kube/config, else the
// pod's own service account (in-cluster), in kubectl's order. When none is there the error lists what
// was looked at and why each did not serve. The client's own loadFromDefault is not used: it would
// fall back to http://localhost:8080 without a word.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { ConfigError } from '../../errors.ts';

type ClientModule = typeof import('@kubernetes/client-node');

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface LoadedConfig {
  config: KubeConfig;
  /** Where it came from, for the log (a path, or "in-cluster service account"). */
  source: string;
  /** The namespace the configuration names (context or service account); undefined when none. */
  namespace: string | undefined;
}

export interface KubeconfigSearch {
  executor: string;
  /** The section's `kubeconfig`, resolved against `root`. */
  kubeconfig?: string | undefined;
  context?: string | undefined;
  root: string;
  env: NodeJS.ProcessEnv;
  /** The service account folder (tests point it elsewhere). @default /var/run/secrets/kubernetes.io/serviceaccount */
  serviceAccount?: string;
}

function where(search: KubeconfigSearch, key: string) {
  return { section: `executors.${search.executor}`, key };
}

function fromFiles(
  client: ClientModule,
  files: string[],
  search: KubeconfigSearch,
  source: string,
): LoadedConfig {
  const config = new client.KubeConfig();
  try {
    config.loadFromFile(files[0]!);
    for (const file of files.slice(1)) {
      const more = new client.KubeConfig();
      more.loadFromFile(file);
      config.mergeConfig(more);
    }
  } catch (error) {
    throw new ConfigError(
      `executor ${search.executor}: cannot read kubeconfig ${source}: ${(error as Error).message}`,
      where(search, 'kubeconfig'),
      { cause: error, hint: 'check that the file is a kubeconfig (kubectl config view --kubeconfig FILE)' },
    );
  }
  if (search.context !== undefined) {
    if (!config.getContextObject(search.context)) {
      const known = config.getContexts().map((context) => context.name);
      throw new ConfigError(
        `executor ${search.executor}: context '${search.context}' is not in kubeconfig ${source}`,
        where(search, 'context'),
        { hint: known.length > 0 ? `its contexts: ${known.join(', ')}` : 'it has no contexts' },
      );
    }
    config.setCurrentContext(search.context);
  }
  if (!config.getCurrentCluster()) {
    throw new ConfigError(
      `executor ${search.executor}: kubeconfig ${source} has no current context with a cluster`,
      where(search, 'context'),
      { hint: 'set context = "NAME" in the section, or run kubectl config use-context NAME' },
    );
  }
  return { config, source, namespace: config.getContextObject(config.getCurrentContext())?.namespace };
}

/** Loads the configuration, or throws a ConfigError that lists every place looked at. */
export function loadKubeconfig(client: ClientModule, search: KubeconfigSearch): LoadedConfig {
  if (search.kubeconfig !== undefined) {
    const file = resolve(search.root, search.kubeconfig);
    if (!existsSync(file)) {
      throw new ConfigError(
        `executor ${search.executor}: kubeconfig ${file} does not exist`,
        where(search, 'kubeconfig'),
        {
          hint: 'fix the path (relative to baton.toml), or remove the key to use $KUBECONFIG or ~/.kube/config',
        },
      );
    }
    return fromFiles(client, [file], search, file);
  }
  const looked: string[] = ['the kubeconfig key of the section: not set'];
  const variable = search.env.KUBECONFIG;
  if (variable) {
    const files = variable.split(delimiter).filter((file) => file !== '');
    const present = files.filter((file) => existsSync(file));
    if (present.length > 0) return fromFiles(client, present, search, present.join(delimiter));
    looked.push(
      `KUBECONFIG=${variable}: ${files.length > 1 ? 'none of these files exists' : 'no such file'}`,
    );
  } else {
    looked.push('the KUBECONFIG environment variable: not set');
  }
  const home = join(search.env.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFiles(client, [home], search, home);
  looked.push(`${home}: no such file`);
  const account = search.serviceAccount ?? SERVICE_ACCOUNT;
  const host = search.env.KUBERNETES_SERVICE_HOST;
  const token = join(account, 'token');
  if (host && existsSync(token)) {
    const config = new client.KubeConfig();
    config.loadFromCluster();
    const namespaceFile = join(account, 'namespace');
    const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
    return { config, source: 'in-cluster service account', namespace: namespace || undefined };
  }
  looked.push(
    `in-cluster service account: ${host ? '' : 'KUBERNETES_SERVICE_HOST not set, '}${existsSync(token) ? 'token present' : `${token}: no such file`}`,
  );
  throw new ConfigError(
    `executor ${search.executor}: no Kubernetes configuration found; looked at ${looked.join('; ')}`,
    where(search, 'kubeconfig'),
    {
      hint: `set kubeconfig = "PATH" in [executors.${search.executor}], export KUBECONFIG, or run Baton in a pod with a service account`,
    },
  );
}
