// What an aws-batch executor writes down in scratch so that a scheduler after a restart finds its
// jobs: per call, `jobs/<eval hash>/aws-batch` (the Batch job's name, the array index); per
// submission, the job list its children read (`aws-batch/<batch>/jobs`) and, once SubmitJob has
// answered, the Batch job id (`aws-batch/<batch>/job`), for people who debug.
import type { Scratch } from '../../scratch/index.ts';

/** `jobs/<eval hash>/aws-batch`: which Batch job runs this call. */
export interface BatchRecord {
  /** The Batch job name: `<prefix>-<eval hash>`, or `<prefix>-array-<batch>` for an array job. */
  name: string;
  /** The submission, whose job list is `aws-batch/<batch>/jobs`. */
  batch: string;
  /** The child index, for an array job. */
  index?: number | undefined;
  /** Children of the array job (1 for a single job). */
  size: number;
  queue: string;
  submittedAt: number;
}

export const recordKey = (evalHash: string) => `jobs/${evalHash}/aws-batch`;
export const listKey = (batch: string) => `aws-batch/${batch}/jobs`;
const jobIdKey = (batch: string) => `aws-batch/${batch}/job`;

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value)}\n`);

export async function readRecord(scratch: Scratch, evalHash: string): Promise<BatchRecord | undefined> {
  const bytes = await scratch.get(recordKey(evalHash));
  if (!bytes) return undefined;
  try {
    const record = JSON.parse(new TextDecoder().decode(bytes)) as BatchRecord;
    return typeof record.name === 'string' && typeof record.queue === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}

/** One record per call of `elements` (element i is child i of the submission). */
export async function writeRecords(
  scratch: Scratch,
  elements: ReadonlyArray<ReadonlyArray<{ evalHash: string }>>,
  record: Omit<BatchRecord, 'index' | 'size'>,
): Promise<void> {
  const size = elements.length;
  await Promise.all(
    elements.flatMap((element, index) =>
      element.map((job) =>
        scratch.put(
          recordKey(job.evalHash),
          json({ ...record, index: size > 1 ? index : undefined, size } satisfies BatchRecord),
        ),
      ),
    ),
  );
}

export function writeJobId(
  scratch: Scratch,
  record: Omit<BatchRecord, 'index'>,
  jobId: string,
): Promise<void> {
  return scratch.put(jobIdKey(record.batch), json({ ...record, jobId }));
}

/** The text of a submission's job list: line i holds the eval hashes child i runs, in order. */
export async function readJobList(scratch: Scratch, batch: string): Promise<string> {
  const bytes = await scratch.get(listKey(batch));
  return bytes ? new TextDecoder().decode(bytes) : '';
}
