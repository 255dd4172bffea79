// The same trivial function as bench/workflow.ts's `inc`, as Piscina runs it (a named export).
export function inc(x: number): number {
  return x + 1;
}
