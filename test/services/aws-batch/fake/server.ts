// One loopback HTTP server that speaks AWS Batch's REST-JSON protocol (POST /v1/submitjob, ...) and
// CloudWatch Logs' JSON 1.1 protocol (POST / with X-Amz-Target: Logs_20140328.GetLogEvents) to the
// official SDK clients. It checks the SigV4 credential scope of every request, counts requests by
// operation, keeps their bodies (so tests can check no secret was sent), and can refuse requests for
// their rate the way AWS does (HTTP 400 ThrottlingException, or 429 TooManyRequestsException).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FakeBatch } from './batch.ts';
import { AwsApiError, FakeLogs } from './logs.ts';

export interface FakeAwsOptions {
  /** What every container gets from its host (PATH, credentials for the scratch bucket, ...). */
  hostEnv: NodeJS.ProcessEnv;
  /** Working folder of the containers. */
  cwd: string;
  queues?: string[];
  /** Containers that run at once. @default 4 */
  slots?: number;
  /** Milliseconds per second of a job's attemptDurationSeconds. @default 1000 */
  msPerSecond?: number;
  /** The access key id requests must be signed with. */
  accessKeyId: string;
}

const BATCH_OPERATIONS: Record<string, keyof FakeBatch & string> = {
  submitjob: 'submitJob',
  describejobs: 'describeJobs',
  listjobs: 'listJobs',
  terminatejob: 'terminateJob',
  registerjobdefinition: 'registerJobDefinition',
  describejobdefinitions: 'describeJobDefinitions',
};
const OPERATION_NAMES: Record<string, string> = {
  submitjob: 'SubmitJob',
  describejobs: 'DescribeJobs',
  listjobs: 'ListJobs',
  terminatejob: 'TerminateJob',
  registerjobdefinition: 'RegisterJobDefinition',
  describejobdefinitions: 'DescribeJobDefinitions',
};

type ThrottleStyle = 'ThrottlingException' | 'TooManyRequestsException';

interface ThrottleRule {
  operation: string;
  remaining: number;
  style: ThrottleStyle;
}

export class FakeAws {
  readonly batch: FakeBatch;
  readonly logs = new FakeLogs();
  /** Requests by operation, refused ones included. */
  readonly requests = new Map<string, number>();
  /** Requests refused for their rate, by operation. */
  readonly throttled = new Map<string, number>();
  /** Every request body as sent. */
  readonly bodies: string[] = [];
  private readonly options: FakeAwsOptions;
  private readonly rules: ThrottleRule[] = [];
  private server: Server | undefined;
  endpoint = '';

  constructor(options: FakeAwsOptions) {
    this.options = options;
    this.batch = new FakeBatch({
      queues: options.queues ?? ['baton-test'],
      slots: options.slots ?? 4,
      hostEnv: options.hostEnv,
      cwd: options.cwd,
      logs: this.logs,
      msPerSecond: options.msPerSecond ?? 1000,
    });
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.endpoint = `http://127.0.0.1:${port}`;
    return this.endpoint;
  }

  async close(): Promise<void> {
    this.batch.stop();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `times` requests of `operation` (`*` for any) are refused for their rate. */
  throttle(operation: string, times: number, style: ThrottleStyle = 'ThrottlingException'): void {
    this.rules.push({ operation, remaining: times, style });
  }

  /** Requests of these operations (all when none is named). */
  count(...operations: string[]): number {
    let total = 0;
    for (const [operation, count] of this.requests)
      if (operations.length === 0 || operations.includes(operation)) total += count;
    return total;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    this.bodies.push(body);
    const target = request.headers['x-amz-target'];
    const isLogs = typeof target === 'string' && target.startsWith('Logs_20140328.');
    const path = (request.url ?? '').split('?')[0]!;
    const lower = /^\/v1\/([a-z]+)$/.exec(path)?.[1] ?? '';
    const operation = isLogs ? target.slice('Logs_20140328.'.length) : (OPERATION_NAMES[lower] ?? path);
    this.requests.set(operation, (this.requests.get(operation) ?? 0) + 1);
    const contentType = isLogs ? 'application/x-amz-json-1.1' : 'application/json';
    const send = (status: number, payload: unknown, errorType?: string) => {
      const headers: Record<string, string> = {
        'content-type': contentType,
        'x-amzn-requestid': crypto.randomUUID(),
      };
      if (errorType) headers['x-amzn-errortype'] = errorType;
      response.writeHead(status, headers).end(JSON.stringify(payload));
    };
    try {
      this.checkSignature(request, isLogs ? 'logs' : 'batch');
      const rule = this.rules.find(
        (r) => r.remaining > 0 && (r.operation === '*' || r.operation === operation),
      );
      if (rule) {
        rule.remaining--;
        this.throttled.set(operation, (this.throttled.get(operation) ?? 0) + 1);
        // Throttling comes back as AWS sends it: the error type only in the body's __type.
        if (rule.style === 'TooManyRequestsException')
          return send(429, { __type: 'TooManyRequestsException', message: 'Too Many Requests' });
        return send(400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
      }
      if (request.method !== 'POST')
        throw new AwsApiError('UnknownOperationException', `${request.method} ${path}`, 404);
      const input = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
      if (isLogs) {
        if (operation !== 'GetLogEvents') throw new AwsApiError('UnknownOperationException', operation, 400);
        return send(200, this.logs.getLogEvents(input));
      }
      const method = BATCH_OPERATIONS[lower];
      if (!method) throw new AwsApiError('UnknownOperationException', `no operation at ${path}`, 404);
      const call = this.batch[method] as (input: Record<string, unknown>) => unknown;
      return send(200, call.call(this.batch, input));
    } catch (error) {
      if (error instanceof AwsApiError) return send(error.status, { message: error.message }, error.type);
      return send(500, { message: String(error) }, 'ServerException');
    }
  }

  /** SigV4: `Credential=<key id>/<date>/<region>/<service>/aws4_request` must name our key and the service. */
  private checkSignature(request: IncomingMessage, service: string): void {
    const header = request.headers.authorization ?? '';
    const scope = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([a-z0-9-]+)\/([a-z]+)\/aws4_request/.exec(
      header,
    );
    if (!scope || scope[1] !== this.options.accessKeyId || scope[3] !== service) {
      throw new AwsApiError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
        403,
      );
    }
  }
}
