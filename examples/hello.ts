// The smallest workflow: two tasks chained. Run it with
//   npx baton run examples/hello.ts main --name Ada
import { task } from 'baton';

export const greet = task('greet', (name: string) => `Hello, ${name}!`);

export const shout = task('shout', (text: string) => text.toUpperCase());

/** A task may return an expression: the scheduler evaluates it. */
export const main = task('main', (name: string = 'world') => shout(greet(name)));
