// The status files of `baton map`: JSON and a self-contained HTML page, next to the output
// (`result.csv.status.json`) or under `.baton/map-status/`, rewritten at most once a second while the
// map runs and once at the end. Each is written whole and renamed into place, so a reader never sees
// half a file.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { renderStatusPage, type MapStatus } from '../map/index.ts';

const INTERVAL_MS = 1000;

export class StatusFiles {
  private readonly status: MapStatus;
  /** The path without `.json` / `.html`; undefined until known (it may need the execution id). */
  private readonly base: () => string | undefined;
  private readonly warn: (message: string) => void;
  private timer: NodeJS.Timeout | undefined;
  private written = -1;
  private warned = false;

  constructor(status: MapStatus, base: () => string | undefined, warn: (message: string) => void) {
    this.status = status;
    this.base = base;
    this.warn = warn;
  }

  /** Where the page is (or will be), once known. */
  get htmlPath(): string | undefined {
    const base = this.base();
    return base === undefined ? undefined : `${base}.html`;
  }

  start(): void {
    this.timer = setInterval(() => this.write(), INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the timer and writes the final state. */
  finish(): void {
    clearInterval(this.timer);
    this.write();
  }

  private write(): void {
    const base = this.base();
    if (base === undefined || this.written === this.status.version) return;
    this.written = this.status.version;
    const snapshot = this.status.snapshot();
    try {
      mkdirSync(dirname(base), { recursive: true });
      replace(`${base}.json`, `${JSON.stringify(snapshot, null, 2)}\n`);
      replace(`${base}.html`, renderStatusPage(snapshot));
    } catch (error) {
      // The status page is a view: failing to write it must not stop the map.
      if (!this.warned)
        this.warn(`baton: cannot write the map status to ${base}.*: ${(error as Error).message}`);
      this.warned = true;
    }
  }
}

function replace(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
