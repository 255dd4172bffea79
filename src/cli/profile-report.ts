// What `baton profile` prints: the functions that took the most CPU time, or the call sites that hold
// the most sampled heap, summed over any number of thread profiles (one worker's, or a fleet's).
import type { CpuProfile, HeapSamplingNode, ThreadProfile } from '../worker/thread-profiles.ts';

type CallFrame = CpuProfile['nodes'][number]['callFrame'];

export interface FunctionRow {
  name: string;
  /** `path:line`, or empty for V8's own entries such as `(garbage collector)`. */
  location: string;
  /** Milliseconds (CPU) or bytes (heap) spent in the function itself. */
  self: number;
  /** The same with everything it called. */
  total: number;
}

export interface CpuSummary {
  rows: FunctionRow[];
  /** Milliseconds sampled, summed over the threads. */
  sampled: number;
  /** Milliseconds the threads were idle (waiting for work or I/O). */
  idle: number;
}

const V8_ENTRIES = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

function frameKey(frame: CallFrame): { key: string; name: string; location: string } {
  const name = frame.functionName || '(anonymous)';
  if (V8_ENTRIES.has(name) || frame.url === '') return { key: name, name, location: '' };
  const path = frame.url.startsWith('file://') ? decodeURIComponent(frame.url.slice(7)) : frame.url;
  const location = `${path}:${frame.lineNumber + 1}`;
  return { key: `${name} ${location}`, name, location };
}

function row(rows: Map<string, FunctionRow>, frame: CallFrame): FunctionRow {
  const { key, name, location } = frameKey(frame);
  let found = rows.get(key);
  if (!found) rows.set(key, (found = { name, location, self: 0, total: 0 }));
  return found;
}

/** Self and total time per function over `profiles`; each sample counts once in each function on its stack. */
export function summarizeCpu(profiles: CpuProfile[]): CpuSummary {
  const rows = new Map<string, FunctionRow>();
  let sampled = 0;
  for (const profile of profiles) {
    const samples = profile.samples ?? [];
    if (samples.length === 0) continue;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const weight = (profile.endTime - profile.startTime) / 1000 / samples.length;
    sampled += weight * samples.length;
    for (const leaf of samples) {
      const node = byId.get(leaf);
      if (!node) continue;
      row(rows, node.callFrame).self += weight;
      const seen = new Set<FunctionRow>();
      for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
        const frame = byId.get(id)!.callFrame;
        if (frame.functionName === '(root)') continue;
        const entry = row(rows, frame);
        if (!seen.has(entry)) {
          seen.add(entry);
          entry.total += weight;
        }
      }
    }
  }
  const idle = [...rows.values()].find((entry) => entry.name === '(idle)')?.self ?? 0;
  return { rows: sorted(rows), sampled, idle };
}

/** Live sampled bytes per allocating function over `heads`, and with its callees. */
export function summarizeHeap(heads: HeapSamplingNode[]): FunctionRow[] {
  const rows = new Map<string, FunctionRow>();
  const walk = (node: HeapSamplingNode, onStack: Set<FunctionRow>): number => {
    const isRoot = node.callFrame.functionName === '(root)';
    const entry = isRoot ? undefined : row(rows, node.callFrame);
    const fresh = entry !== undefined && !onStack.has(entry);
    if (fresh) onStack.add(entry);
    let total = node.selfSize;
    for (const child of node.children) total += walk(child, onStack);
    if (entry) entry.self += node.selfSize;
    if (fresh) {
      entry.total += total; // a recursive function counts its subtree once
      onStack.delete(entry);
    }
    return total;
  };
  for (const head of heads) walk(head, new Set());
  return sorted(rows);
}

function sorted(rows: Map<string, FunctionRow>): FunctionRow[] {
  return [...rows.values()].sort(
    (a, b) => b.self - a.self || b.total - a.total || a.name.localeCompare(b.name),
  );
}

function table(header: string[], lines: string[][], rightAligned: number): string {
  const all = [header, ...lines];
  const widths = header.map((_, column) => Math.max(...all.map((line) => line[column]!.length)));
  return all
    .map((line) =>
      line
        .map((cell, i) => (i < rightAligned ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const percent = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-');

/** The CPU table: busy time first (idle threads would drown the signal), top `top` rows by self time. */
export function formatCpu(summary: CpuSummary, top: number): string {
  const busy = summary.sampled - summary.idle;
  const lines = summary.rows
    .filter((entry) => entry.name !== '(idle)')
    .slice(0, top)
    .map((entry) => [
      entry.self.toFixed(1),
      percent(entry.self, busy),
      entry.total.toFixed(1),
      percent(entry.total, busy),
      entry.name,
      entry.location,
    ]);
  const head = `busy ${(busy / 1000).toFixed(2)} s of ${(summary.sampled / 1000).toFixed(2)} s sampled (idle ${percent(summary.idle, summary.sampled)})`;
  return `${head}\n${table(['SELF ms', 'SELF%', 'TOTAL ms', 'TOTAL%', 'FUNCTION', 'LOCATION'], lines, 4)}`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Heap use per thread, then the top `top` allocation sites by live sampled bytes. */
export function formatHeap(threads: ThreadProfile[], top: number): string {
  const withHeap = threads.filter((thread) => thread.heap);
  const usage = table(
    ['USED', 'HEAP', 'THREAD'],
    withHeap.map((thread) => [
      bytes(thread.heap!.usage.usedSize),
      bytes(thread.heap!.usage.totalSize),
      thread.thread,
    ]),
    2,
  );
  const rows = summarizeHeap(withHeap.map((thread) => thread.heap!.sampling.head));
  const sampled = rows.reduce((sum, entry) => sum + entry.self, 0);
  const sites = table(
    ['SELF', 'SELF%', 'TOTAL', 'FUNCTION', 'LOCATION'],
    rows
      .slice(0, top)
      .map((entry) => [
        bytes(entry.self),
        percent(entry.self, sampled),
        bytes(entry.total),
        entry.name,
        entry.location,
      ]),
    3,
  );
  return `${usage}\n\nlive allocations sampled: ${bytes(sampled)}\n${sites}`;
}
