// The floor under benchmark 5 on this machine: how long one hand-off to a worker thread and back takes
// with nothing around it, beside Piscina's run() of the same trivial function. A diagnostic for
// bench/round-trip.ts, not a ratio against a target.
//   node --conditions=baton-source bench/hand-off.ts [rounds]
// Three ways, in blocks that take turns: Node's postMessage both ways (the worker waiting in its event
// loop, as Baton's do), the worker waiting in Atomics.wait and reading its port with
// receiveMessageOnPort (as Piscina's do), and Piscina itself.
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { percentile, piscinaPool } from './harness.ts';

const ROUNDS = Number(process.argv[2] ?? 10_000);
const WARMUP = 1_000;
const BLOCK = 500;

const echoByEvent = new Worker(
  `const { parentPort } = require('node:worker_threads');
   parentPort.on('message', (n) => parentPort.postMessage(n + 1));`,
  { eval: true },
);

const signal = new Int32Array(new SharedArrayBuffer(4));
const channel = new MessageChannel();
const echoByAtomics = new Worker(
  `const { workerData, receiveMessageOnPort } = require('node:worker_threads');
   const { port, signal } = workerData;
   for (;;) {
     const seen = Atomics.load(signal, 0);
     for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) port.postMessage(m.message + 1);
     Atomics.wait(signal, 0, seen);
   }`,
  { eval: true, workerData: { port: channel.port2, signal }, transferList: [channel.port2] },
);

/** One round trip to a worker that answers on `from`, started by `send`. */
function roundTrip(from: Worker | MessagePort, send: (n: number) => void, n: number): Promise<number> {
  return new Promise((resolve) => {
    from.once('message', resolve);
    send(n);
  });
}

const pool = piscinaPool();
const ways: Array<{ name: string; once: (n: number) => Promise<number>; micros: number[] }> = [
  {
    name: 'postMessage both ways',
    once: (n) => roundTrip(echoByEvent, (m) => echoByEvent.postMessage(m), n),
    micros: [],
  },
  {
    name: 'Atomics.wait + receiveMessageOnPort',
    once: (n) =>
      roundTrip(
        channel.port1,
        (m) => {
          channel.port1.postMessage(m);
          Atomics.add(signal, 0, 1);
          Atomics.notify(signal, 0, 1);
        },
        n,
      ),
    micros: [],
  },
  { name: 'Piscina run()', once: (n) => pool.run(n, { name: 'inc' }) as Promise<number>, micros: [] },
];

for (let from = -WARMUP; from < ROUNDS; from += BLOCK) {
  for (const way of ways) {
    for (let i = from; i < from + BLOCK; i++) {
      const began = performance.now();
      const value = await way.once(i);
      const took = performance.now() - began;
      if (value !== i + 1) throw new Error(`${way.name}: round ${i} returned ${value}`);
      if (i >= 0) way.micros.push(took * 1000);
    }
  }
}
for (const way of ways) {
  const us = (p: number) => `${percentile(way.micros, p).toFixed(0)} µs`;
  console.log(`${way.name.padEnd(36)} p50 ${us(50)}, p90 ${us(90)} (${ROUNDS} rounds)`);
}
await pool.destroy();
await echoByEvent.terminate();
await echoByAtomics.terminate();
channel.port1.close();
