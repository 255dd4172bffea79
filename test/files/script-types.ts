// Compile-time checks of script typing; `npm run typecheck` fails if any expectation breaks.
import { Dir, File, script, task, type Expr } from '../../src/index.ts';
import type { Placeholders } from '../../src/task/index.ts';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}

// placeholders as the runtime finds them: shell braces and `${VAR}` are not placeholders
expectType<Equal<Placeholders<'wc -l {input} > {out}'>, 'input' | 'out'>>();
expectType<Equal<Placeholders<"awk '{print $1}' {file} | sed s/x/${HOME}/ ; echo {} {a,b}">, 'file'>>();
expectType<Equal<Placeholders<'echo {{x}}'>, never>>();
expectType<Equal<Placeholders<'{1st} {_ok} {a1}'>, '_ok' | 'a1'>>();

const wc = script('typesWc', 'wc -l < {input} > {out}', { outputs: { out: 'count.txt' } });
expectType<Equal<ReturnType<typeof wc>, Expr<{ stdout: string; files: { out: File } }>>>();
wc({ input: new File('data.csv') });
// @ts-expect-error the input placeholder needs a value
wc({});
// @ts-expect-error an output is not an argument
wc({ input: new File('data.csv'), out: 'x' });
// @ts-expect-error a key that is no placeholder
wc({ input: new File('data.csv'), inptu: 1 });

const echo = script('typesEcho', 'echo {greeting} {names}');
expectType<Equal<ReturnType<typeof echo>, Expr<string>>>();
echo({ greeting: 'hi', names: ['a', 'b'] });
// @ts-expect-error an object is not a script value
echo({ greeting: { text: 'hi' }, names: [] });

const noArgs = script('typesDate', 'date -u');
noArgs();
expectType<Equal<ReturnType<typeof noArgs>, Expr<string>>>();

export const plots = script('typesPlots', 'plot {data} {dir}', {
  outputs: { dir: 'plots/', log: 'log.txt' },
});
expectType<Equal<ReturnType<typeof plots>, Expr<{ stdout: string; files: { dir: Dir; log: File } }>>>();

// an expression of a File is accepted where a File is
const pick = task('typesPick', (path: string) => new File(path));
wc({ input: pick('data.csv') });
// a script's output can be handed to a task that takes the result
const lines = task('typesLines', async (result: { files: { out: File } }) => result.files.out.readText());
expectType<Equal<ReturnType<typeof lines>, Expr<string>>>();
lines(wc({ input: new File('data.csv') }));

// a command that is not a literal takes any placeholder values
const dynamic: string = 'echo {x}';
script('typesDynamic', dynamic)({ x: 1 });

// a File made by one task can be given to another, and its result type is File
const makeFile = task('typesMakeFile', (path: string) => new File(path));
const size = task('typesSize', async (file: File) => (await file.stat()).size);
size(makeFile('x'));
const listing = task('typesListing', async (dir: Dir) => (await dir.files()).map((file) => file.basename));
listing(new Dir('data'));
