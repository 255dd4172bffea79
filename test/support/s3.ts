// An S3 protocol server (s3rver, TESTBED.md) on a loopback port with one bucket, for the suites that
// keep scratch, values or Files on S3; its folder goes with it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** The keys s3rver accepts, as the SDK's credentials option. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Server {
  endpoint: string;
  /** Where s3rver keeps the objects (a bucket is a folder in it). */
  directory: string;
  close(): Promise<void>;
}

export async function startS3(bucket: string): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), `baton-s3-${bucket}-`));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: dir,
    silent: true,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory: dir,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
