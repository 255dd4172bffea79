// What a fan-out's result costs to encode and decode: 100,000 calls of one task (which travel packed,
// as one value) beside 100,000 calls alternating between two tasks (which travel call by call).
//   node --conditions=baton-source bench/expr-codec.ts [calls]
import { decodeValue, encodeValue } from '../src/codec/index.ts';
import { task } from '../src/index.ts';
import { median } from './harness.ts';
import { inc } from './workflow.ts';

const N = Number(process.argv[2] ?? 100_000);
const TRIALS = 5;
const dec = task('bench.dec', (x: number) => x - 1);

function measure(make: () => unknown[]): { encodeMs: number; decodeMs: number; bytes: number } {
  const encodeMs: number[] = [];
  const decodeMs: number[] = [];
  let bytes = 0;
  for (let t = 0; t < TRIALS; t++) {
    const calls = make();
    const began = performance.now();
    const encoded = encodeValue(calls);
    const encodedAt = performance.now();
    const back = decodeValue(encoded) as unknown[];
    const decodedAt = performance.now();
    if (back.length !== N) throw new Error(`decoded ${back.length} calls, expected ${N}`);
    encodeMs.push(encodedAt - began);
    decodeMs.push(decodedAt - encodedAt);
    bytes = encoded.length;
  }
  return { encodeMs: median(encodeMs), decodeMs: median(decodeMs), bytes };
}

const packed = measure(() => Array.from({ length: N }, (_, i) => inc(i)));
const oneByOne = measure(() => Array.from({ length: N }, (_, i) => (i % 2 ? inc(i) : dec(i))));
const show = (name: string, m: typeof packed) =>
  console.log(
    `${name}: encode ${m.encodeMs.toFixed(0)} ms, decode ${m.decodeMs.toFixed(0)} ms, ` +
      `${(m.bytes / N).toFixed(1)} bytes per call (median of ${TRIALS})`,
  );
console.log(`${N.toLocaleString('en-US')} calls in one array:`);
show('  one task (packed)      ', packed);
show('  two tasks (call by call)', oneByOne);
console.log(
  `  packed encodes ${(oneByOne.encodeMs / packed.encodeMs).toFixed(0)}x faster, ` +
    `decodes ${(oneByOne.decodeMs / packed.decodeMs).toFixed(1)}x faster`,
);
