// Code packages: a deterministic tarball of the project's sources, named by content hash, verified and
// extracted safely on the far side.
export {
  buildCodePackage,
  DEFAULT_INCLUDE,
  ALWAYS_EXCLUDE,
  type CodePackage,
  type CodePackageOptions,
} from './build.ts';
export { verifyCodePackage } from './verify.ts';
export { extractCodePackage, type ExtractedCodePackage } from './extract.ts';
export { publishCodePackage, fetchCodePackage } from './publish.ts';
