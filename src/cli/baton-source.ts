// Baton's own source (or build) folder, to tell its code from the user's: in a task's stack, its
// frames are how the task was called; in the task registry, its tasks (map's chunks, ...) are built in.
const BATON_SOURCE = new URL('../', import.meta.url).href;

/** Whether `text` (a module URL, a stack frame) points into Baton's own code. */
export function inBatonSource(text: string | undefined): boolean {
  return text?.includes(BATON_SOURCE) ?? false;
}
