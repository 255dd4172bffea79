// Canonical, type-tagged sha256 hashing of values, and the task / args / eval / call hashes.
export { hashValue, hashArgs, taskHash, evalHash, callHash, callHashOf, sha256 } from './hashes.ts';
export { HASH_METHOD, HASH_OF, setRegisteredHashForm, type HashForm, type Hashable } from './canonical.ts';
// Shared with the value codec so both accept the same values and report the same paths.
export {
  TYPED_ARRAY_NAMES,
  TYPED_ARRAY_CONSTRUCTORS,
  typedArrayKind,
  isErrorValue,
  isWellFormedString,
  describeValue,
  type TypedArrayConstructor,
} from './kinds.ts';
export {
  PathFault,
  faultAt,
  faultToError,
  argsFaultToError,
  formatPath,
  type ArgumentNames,
  type PathSegment,
} from './paths.ts';
