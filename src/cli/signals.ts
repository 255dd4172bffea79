// Ctrl-C and SIGTERM during a run: the first cancels the run through its AbortController (in-flight
// jobs are cancelled and recorded so); the second exits at once.
import { CancelledError } from '../errors.ts';

const EXIT_CODES: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/** Installs the handlers; returns the function that removes them. */
export function cancelOnSignals(
  controller: AbortController,
  notify: (message: string) => void,
  onFirst?: (signal: 'SIGINT' | 'SIGTERM') => void,
): () => void {
  let received: 'SIGINT' | 'SIGTERM' | undefined;
  const handler = (signal: 'SIGINT' | 'SIGTERM') => {
    if (received) {
      notify('baton: quitting now');
      process.exit(EXIT_CODES[signal]);
    }
    received = signal;
    onFirst?.(signal);
    notify(`baton: cancelling… (${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again to quit now)`);
    controller.abort(new CancelledError(`the run was cancelled by ${signal}`));
  };
  const signals = Object.keys(EXIT_CODES) as Array<'SIGINT' | 'SIGTERM'>;
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}

/** The exit code for a run cancelled by `signal`: 128 + the signal's number. */
export function cancelledExitCode(signal: 'SIGINT' | 'SIGTERM' | undefined): number {
  return EXIT_CODES[signal ?? 'SIGINT'];
}
