import type { TestProject } from 'vitest/node';
import { startS3Server } from '../../scripts/s3-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The S3 server of this test run: its endpoint, region, credentials and bucket, as the AWS_* variables papermap reads. */
    s3: { env: Record<string, string>; bucket: string };
  }
}

/** Starts a real S3 server (SeaweedFS, built once a machine: scripts/s3-server.ts) for the LanceDB store's tests, and stops it after them. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startS3Server({ say: (line) => process.stderr.write(`${line}\n`) });
  project.provide('s3', { env: server.env, bucket: server.bucket });
  return () => server.stop();
}
