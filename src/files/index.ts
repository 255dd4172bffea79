// Data values (File, Dir), their staging through scratch for remote jobs, and the runtime of script
// tasks (commands over files). Importing this module registers the File and Dir value codecs.
import { registerFileCodecs } from './codecs.ts';

export { File, isFile, type FileOptions, type ScratchLocation } from './file.ts';
export { Dir, isDir, type DirScratchLocation, type StagedEntry } from './dir.ts';
export type { HashMode } from './paths.ts';
export { registerFileCodecs } from './codecs.ts';
export { stageOut, stageIn, fileKey } from './stage.ts';
export { keptFilesRoot } from './kept.ts';
export { runScript, type ScriptSpec, type ScriptOutputs } from './run-script.ts';
export { ScriptError } from '../errors.ts';
export { parseTemplate, checkScriptArgs, type CommandTemplate } from './template.ts';

registerFileCodecs();
