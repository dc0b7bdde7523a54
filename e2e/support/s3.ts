import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A loopback S3-compatible server (s3rver behind s3-server-process.cjs) with one bucket. */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** The server environment that points the app at this bucket. */
  env(prefix?: string): Record<string, string>;
  stop(): Promise<void>;
}

export async function startTestS3(bucket = 'synkronus-test'): Promise<TestS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-s3-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', path.join(__dirname, 's3-server-process.cjs'), directory, bucket],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString()).port));
    child.once('exit', (code) => reject(new Error(`test S3 server exited with ${code}: ${output}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: (prefix = '') => ({
      SYNKRONUS_STORAGE: 's3',
      SYNKRONUS_S3_BUCKET: bucket,
      SYNKRONUS_S3_ENDPOINT: endpoint,
      SYNKRONUS_S3_REGION: 'us-east-1',
      SYNKRONUS_S3_FORCE_PATH_STYLE: 'true',
      SYNKRONUS_S3_PREFIX: prefix,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    }),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
