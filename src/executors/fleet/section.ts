// Finding the fleet executor section that a worker, `baton workers`, `baton profile` or awaitWorkers()
// talks about: the one named, or the only fleet section there is.
import type { BatonConfig } from '../../config/index.ts';
import { ConfigError } from '../../errors.ts';
import { resolveFleetOptions, type FleetOptions } from './options.ts';

export function fleetSection(
  config: BatonConfig,
  name: string | undefined,
): { name: string; options: FleetOptions } {
  const where = config.file ?? 'the embedded defaults (no baton.toml found)';
  const fleets = Object.entries(config.executors)
    .filter(([, section]) => section.type === 'fleet')
    .map(([key]) => key);
  if (name === undefined) {
    if (fleets.length !== 1) {
      throw new ConfigError(
        fleets.length === 0
          ? `${where} defines no fleet executor`
          : `${where} defines several fleet executors (${fleets.join(', ')})`,
        { file: config.file },
        {
          hint:
            fleets.length === 0
              ? 'add [executors.NAME] with type = "fleet" and url = "redis://..."'
              : 'name one with --executor NAME',
        },
      );
    }
    name = fleets[0]!;
  }
  const section = config.executors[name];
  if (!section || section.type !== 'fleet') {
    throw new ConfigError(
      section
        ? `executor ${name} in ${where} has type ${section.type}, not fleet`
        : `${where} defines no executor ${name}`,
      { file: config.file, section: `executors.${name}` },
      {
        hint:
          fleets.length > 0 ? `fleet executors: ${fleets.join(', ')}` : 'add a section with type = "fleet"',
      },
    );
  }
  return { name, options: resolveFleetOptions(name, section) };
}
