// CloudWatch Logs as the fake keeps it: log groups of streams of events, and GetLogEvents over them
// with the real paging rules (the last `limit` events when reading from the tail).

export interface LogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

export class AwsApiError extends Error {
  readonly type: string;
  readonly status: number;
  constructor(type: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

export class FakeLogs {
  private readonly groups = new Map<string, Map<string, LogEvent[]>>();

  /** Appends one line to a stream, creating the group and stream as the awslogs driver does. */
  append(group: string, stream: string, message: string): void {
    let streams = this.groups.get(group);
    if (!streams) this.groups.set(group, (streams = new Map()));
    let events = streams.get(stream);
    if (!events) streams.set(stream, (events = []));
    const now = Date.now();
    events.push({ timestamp: now, message, ingestionTime: now });
  }

  /** The lines of a stream, for assertions. */
  lines(group: string, stream: string): string[] {
    return (this.groups.get(group)?.get(stream) ?? []).map((event) => event.message);
  }

  /** `Logs_20140328.GetLogEvents`. */
  getLogEvents(input: Record<string, unknown>): Record<string, unknown> {
    const group = input.logGroupName ?? input.logGroupIdentifier;
    const stream = input.logStreamName;
    if (typeof group !== 'string' || typeof stream !== 'string') {
      throw new AwsApiError('InvalidParameterException', 'logGroupName and logStreamName are required');
    }
    const streams = this.groups.get(group);
    if (!streams)
      throw new AwsApiError('ResourceNotFoundException', 'The specified log group does not exist.');
    const events = streams.get(stream);
    if (!events)
      throw new AwsApiError('ResourceNotFoundException', 'The specified log stream does not exist.');
    const limit = typeof input.limit === 'number' ? input.limit : 10_000;
    if (limit < 1 || limit > 10_000)
      throw new AwsApiError('InvalidParameterException', 'limit must be 1 to 10000');
    const fromHead = input.startFromHead === true;
    let start: number;
    let end: number;
    const token = typeof input.nextToken === 'string' ? /^([fb])\/(\d+)$/.exec(input.nextToken) : null;
    if (token) {
      const at = Number(token[2]);
      [start, end] =
        token[1] === 'f' ? [at, Math.min(events.length, at + limit)] : [Math.max(0, at - limit), at];
    } else if (fromHead) [start, end] = [0, Math.min(events.length, limit)];
    else [start, end] = [Math.max(0, events.length - limit), events.length];
    return {
      events: events.slice(start, end),
      nextForwardToken: `f/${end}`,
      nextBackwardToken: `b/${start}`,
    };
  }
}
