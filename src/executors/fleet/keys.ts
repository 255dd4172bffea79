// Redis keys of one fleet queue: BullMQ's own (`PREFIX:QUEUE:...`) and Baton's records beside them
// (`PREFIX:QUEUE:baton:...`), so one prefix and queue name hold everything a run leaves in Redis.

export class FleetKeys {
  readonly prefix: string;
  readonly queue: string;
  /** BullMQ's key of the queue, to which a job id is appended. */
  readonly base: string;
  private readonly own: string;

  constructor(prefix: string, queue: string) {
    this.prefix = prefix;
    this.queue = queue;
    this.base = `${prefix}:${queue}:`;
    this.own = `${prefix}:${queue}:baton:`;
  }

  /** The BullMQ queue that work routed to a worker tag or host waits in. */
  routeQueue(route: string): string {
    return `${this.queue}.${route}`;
  }

  /** BullMQ's lock of a queue job: only the worker whose token it holds may write that job's results. */
  lock(batchId: string, queue = this.queue): string {
    return `${this.prefix}:${queue}:${batchId}:lock`;
  }

  /** Task key → the id of the queue job that carries it (the claim a restarted scheduler finds). */
  claim(taskKey: string): string {
    return `${this.own}claim:${taskKey}`;
  }

  /** The list of result messages one queue job has written, in order. */
  results(batchId: string): string {
    return `${this.own}results:${batchId}`;
  }

  /** The reply lists of the schedulers waiting for one queue job. */
  replyTo(batchId: string): string {
    return `${this.own}reply-to:${batchId}`;
  }

  /** One scheduler's reply list, where workers push the results it waits for. */
  replies(schedulerId: string): string {
    return `${this.own}replies:${schedulerId}`;
  }

  /** One worker's heartbeat record. */
  worker(workerId: string): string {
    return `${this.own}worker:${workerId}`;
  }

  get workerPattern(): string {
    return `${this.own}worker:*`;
  }

  /** The channel a worker listens on for commands (profiling). */
  commands(workerId: string): string {
    return `${this.own}commands:${workerId}`;
  }

  /** The channel every worker of the queue listens on for tasks to stop. */
  get cancels(): string {
    return `${this.own}cancel`;
  }

  /**
   * The cancel requests made for one queue job, kept beside the channel for a worker that was not
   * listening when one was published (see cancels.ts).
   */
  cancelled(batchId: string): string {
    return `${this.own}cancelled:${batchId}`;
  }

  /** Where a worker answers one command. */
  answers(requestId: string): string {
    return `${this.own}answers:${requestId}`;
  }

  /** Every key of this queue, BullMQ's and Baton's, for cleaning up. */
  get everything(): string {
    return `${this.prefix}:${this.queue}*`;
  }
}
