// The timeline of an execution: its jobs as bars on lanes, one group of lanes per executor, packed
// so that bars on one lane never overlap. Sent as flat arrays: 10,000 jobs stay a small response.
import type { JobStatus } from '../store/index.ts';
import { JOB_STATUSES, type JobRow } from './job-rows.ts';

/** More jobs than this at once on one executor share its last lane. */
const MAX_LANES = 48;

export interface TimelineGroup {
  executor: string;
  lanes: number;
  /** Per bar, five numbers: row index (into `ids`), lane, start and end (ms after `start`), status index. */
  bars: number[];
}

export interface Timeline {
  /** ms since the epoch of the earliest start; bars count from here. */
  start: number;
  /** ms after `start` of the latest end (or now, for running jobs). */
  span: number;
  /** Status names the bars' status indexes refer to. */
  statuses: readonly JobStatus[];
  ids: string[];
  groups: TimelineGroup[];
}

export function buildTimeline(rows: readonly JobRow[], now = Date.now()): Timeline {
  // Cache hits ran nothing: they have no bar.
  const started = rows.filter((row) => row.startedAt !== null && row.status !== 'cached');
  const start = started.reduce((min, row) => Math.min(min, row.startedAt!), Number.POSITIVE_INFINITY);
  if (!Number.isFinite(start)) return { start: now, span: 0, statuses: JOB_STATUSES, ids: [], groups: [] };
  const ids: string[] = [];
  const groups = new Map<string, { laneEnds: number[]; bars: number[] }>();
  let span = 0;
  const ordered = started.slice().sort((a, b) => a.startedAt! - b.startedAt!);
  for (const row of ordered) {
    let group = groups.get(row.executor);
    if (!group) groups.set(row.executor, (group = { laneEnds: [], bars: [] }));
    const from = row.startedAt! - start;
    const to = (row.endedAt ?? (row.status === 'running' ? now : row.startedAt!)) - start;
    let lane = group.laneEnds.findIndex((end) => end <= from);
    if (lane < 0) lane = group.laneEnds.length < MAX_LANES ? group.laneEnds.length : MAX_LANES - 1;
    group.laneEnds[lane] = Math.max(group.laneEnds[lane] ?? 0, to);
    group.bars.push(ids.length, lane, from, to, JOB_STATUSES.indexOf(row.status));
    ids.push(row.id);
    span = Math.max(span, to);
  }
  return {
    start,
    span,
    statuses: JOB_STATUSES,
    ids,
    groups: [...groups].map(([executor, group]) => ({
      executor,
      lanes: group.laneEnds.length,
      bars: group.bars,
    })),
  };
}
