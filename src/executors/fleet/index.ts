// The `fleet` executor type: batches of tasks as BullMQ jobs in Redis, run by `baton worker` processes.
import type { ExecutorRegistration } from '../types.ts';
import { FleetExecutor } from './executor.ts';
import { resolveFleetOptions, validateFleetOptions } from './options.ts';

export const registration: ExecutorRegistration = {
  type: 'fleet',
  create: (name, config) => new FleetExecutor(name, resolveFleetOptions(name, config)),
  validate: validateFleetOptions,
};

export { FleetExecutor } from './executor.ts';
export { FleetKeys } from './keys.ts';
export { FLEET_SHAPE, resolveFleetOptions, validateFleetOptions, type FleetOptions } from './options.ts';
export { connectRedis, redisError, redisOptions, shownUrl } from './connection.ts';
export { listWorkers, matchesLocality, writeHeartbeat, type WorkerInfo } from './workers.ts';
export { PUSH_RESULTS_LUA } from './scripts.ts';
export {
  BATCH_FORMAT,
  decodeBatch,
  decodeResults,
  encodeResults,
  mayHoldFiles,
  type BatchData,
  type BatchTaskRef,
  type ResultBatch,
} from './wire.ts';
export { fleetSection } from './section.ts';
export {
  MAX_PROFILE_MS,
  answerProfile,
  collectProfiles,
  decodeProfileRequest,
  type ProfileAnswer,
  type ProfileRequest,
  type ProfileRound,
} from './profiling.ts';
export {
  cancelAllowed,
  decodeCancelRequest,
  keptCancels,
  publishCancel,
  type CancelRequest,
} from './cancels.ts';
