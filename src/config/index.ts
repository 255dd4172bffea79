// Public face of baton.toml loading and validation.
export type { BackendConfig, BatonConfig } from './types.ts';
export { CONFIG_FILE_NAME, findConfigFile } from './find.ts';
export { defaultConfig, loadConfig } from './load.ts';
export { describeConfig } from './describe.ts';
export { isSecretKey, redact } from './redact.ts';
export { COMMON_EXECUTOR_KEYS, taskDefaultsFromExecutor } from './common-keys.ts';
export { checkFields, optionsValidator, type OptionShape } from './fields.ts';
export { didYouMean } from './problems.ts';
export { EXECUTOR_NAME, isTable } from './sections.ts';
