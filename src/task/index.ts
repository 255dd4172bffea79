export { task, builtInTask, callerSite, type Task } from './task.ts';
export {
  Expr,
  CallExpr,
  CondExpr,
  CatchExpr,
  SeqExpr,
  isExpr,
  type CaughtError,
  type Lazy,
  type LazyArgs,
  type Resolved,
} from './expr.ts';
export {
  resolveTaskOptions,
  parseDuration,
  PLACEMENT_KEYS,
  type TaskOptions,
  type ResolvedTaskOptions,
  type RetryPolicy,
  type Locality,
} from './options.ts';
export {
  registerTask,
  getTask,
  listTasks,
  importWorkflow,
  isImportingWorkflow,
  notifyTopLevelRun,
  addModuleRoot,
  localModuleUrl,
  OWN_SOURCE,
  type TaskDef,
} from './registry.ts';
export { cond, catchError, seq, type Unlazy } from './control.ts';
export { parameters, parameterNames, argumentName, type ParamInfo } from './params.ts';
export { definitionHash } from './task.ts';
export { isTask, isUnresolved, registerTaskCodecs } from './codecs.ts';
export {
  script,
  type ScriptOptions,
  type ScriptArgs,
  type ScriptResult,
  type ScriptValue,
  type ScriptScalar,
  type ScriptOutputPaths,
  type Placeholders,
} from './script.ts';
