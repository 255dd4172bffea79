import { redact } from './redact.ts';
import type { BatonConfig } from './types.ts';

/** The resolved configuration for `baton executors`, with secrets redacted. */
export function describeConfig(config: BatonConfig): Record<string, unknown> {
  const executors: Record<string, unknown> = {};
  for (const [name, options] of Object.entries(config.executors)) executors[name] = redact(options);
  return {
    file: config.file ?? null, // null: the embedded defaults apply
    root: config.root,
    backend: {
      db: redact(config.backend.db),
      valuesDir: config.backend.valuesDir ?? null, // null: a temporary folder, or inside PostgreSQL
      ...(config.backend.values !== undefined ? { values: config.backend.values } : {}),
    },
    executors,
  };
}
