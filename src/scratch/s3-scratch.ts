// Scratch in an S3 bucket (or any server that speaks the S3 protocol), through @aws-sdk/client-s3,
// which is loaded only when an s3:// scratch is opened. Objects are written whole, so puts are atomic.
import { ScratchError } from '../errors.ts';
import { checkKey, checkPrefix } from './layout.ts';
import type { Scratch } from './types.ts';

export interface S3ScratchOptions {
  /** An S3-compatible server, e.g. `http://127.0.0.1:4568`. @default AWS (or AWS_ENDPOINT_URL_S3) */
  endpoint?: string | undefined;
  /** Address buckets as `endpoint/bucket` rather than `bucket.endpoint` (most S3-compatible servers want this). @default false */
  forcePathStyle?: boolean | undefined;
  /** @default from the environment or the AWS config files, else us-east-1 */
  region?: string | undefined;
  /** Explicit credentials; by default the SDK's chain (environment, config files, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
}

type S3Module = typeof import('@aws-sdk/client-s3');

function errorName(error: unknown): string {
  const named = error as { name?: unknown; Code?: unknown; code?: unknown };
  return String(named.Code ?? named.name ?? named.code ?? 'Error');
}

function isNotFound(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = errorName(error);
  return status === 404 || name === 'NoSuchKey' || name === 'NotFound';
}

export class S3Scratch implements Scratch {
  readonly uri: string;
  readonly bucket: string;
  /** The key prefix inside the bucket, empty or ending in `/`. */
  readonly prefix: string;
  private readonly options: S3ScratchOptions;
  private client: Promise<{ s3: InstanceType<S3Module['S3Client']>; sdk: S3Module }> | undefined;

  constructor(uri: string, options: S3ScratchOptions = {}) {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!match) throw new ScratchError(`scratch '${uri}' is not an s3://bucket/prefix URI`, { uri });
    this.uri = uri;
    this.bucket = match[1]!;
    const prefix = match[2]!.replace(/\/+$/, '');
    if (prefix !== '') checkKey(prefix, uri);
    this.prefix = prefix === '' ? '' : `${prefix}/`;
    this.options = options;
  }

  async check(): Promise<void> {
    const probe = `.baton-probe-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const bytes = new TextEncoder().encode('baton scratch probe');
    try {
      await this.put(probe, bytes);
      const back = await this.get(probe);
      if (!back || Buffer.compare(back, bytes) !== 0) throw new Error('a probe object read back differently');
      await this.delete(probe);
    } catch (error) {
      const cause = error instanceof ScratchError && error.cause !== undefined ? error.cause : error;
      throw this.failure('cannot use scratch', cause, undefined);
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const { s3, sdk } = await this.connect();
    try {
      await s3.send(new sdk.PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: bytes }));
    } catch (error) {
      throw this.failure(`cannot write '${key}' to scratch`, error, key);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const { s3, sdk } = await this.connect();
    try {
      const reply = await s3.send(
        new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }),
      );
      return reply.Body ? await reply.Body.transformToByteArray() : new Uint8Array(0);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.failure(`cannot read '${key}' from scratch`, error, key);
    }
  }

  async exists(key: string): Promise<boolean> {
    const { s3, sdk } = await this.connect();
    try {
      await s3.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.failure(`cannot look for '${key}' in scratch`, error, key);
    }
  }

  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix, this.uri);
    const { s3, sdk } = await this.connect();
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await s3.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            ContinuationToken: token,
          }),
        );
        for (const object of page.Contents ?? []) {
          if (object.Key !== undefined) keys.push(object.Key.slice(this.prefix.length));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw this.failure(`cannot list '${prefix}' in scratch`, error, prefix);
    }
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    const { s3, sdk } = await this.connect();
    try {
      await s3.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.failure(`cannot delete '${key}' from scratch`, error, key);
    }
  }

  locate(key: string): string {
    return `s3://${this.bucket}/${this.objectKey(key)}`;
  }

  /** Stops the client's connections. */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) (await client.catch(() => undefined))?.s3.destroy();
  }

  private objectKey(key: string): string {
    checkKey(key, this.uri);
    return this.prefix + key;
  }

  private connect(): Promise<{ s3: InstanceType<S3Module['S3Client']>; sdk: S3Module }> {
    this.client ??= import('@aws-sdk/client-s3').then(
      (sdk) => ({
        sdk,
        s3: new sdk.S3Client({
          endpoint: this.options.endpoint,
          forcePathStyle: this.options.forcePathStyle,
          region:
            this.options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
          credentials: this.options.credentials,
        }),
      }),
      (error: unknown) => {
        this.client = undefined;
        throw new ScratchError(
          `scratch ${this.uri} needs the package @aws-sdk/client-s3`,
          { uri: this.uri },
          {
            cause: error,
            hint: 'npm install @aws-sdk/client-s3',
          },
        );
      },
    );
    return this.client;
  }

  private failure(what: string, error: unknown, key: string | undefined): ScratchError {
    if (error instanceof ScratchError) return error;
    const text = error instanceof Error ? error.message : String(error);
    return new ScratchError(
      `${what} ${this.uri}: ${errorName(error)}: ${text}`,
      { uri: this.uri, key },
      {
        cause: error,
        hint: 'check the bucket exists, the endpoint is reachable, and the credentials may read and write it',
      },
    );
  }
}
