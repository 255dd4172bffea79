// Value transport between processes and machines: encoding, custom type codecs, error serialization.
export { encodeValue, encodeArgs, decodeValue } from './codec.ts';
export { registerArrayPacker, registerValueCodec, type ValueCodec } from './registry.ts';
export { serializeError, deserializeError } from './serialize-error.ts';
