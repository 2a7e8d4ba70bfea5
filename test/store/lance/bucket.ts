import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';

/** The test run's S3 server (test/setup/s3.ts), read directly, as a user's tools would read the bucket papermap wrote. */
const s3 = inject('s3');

export const client = () =>
  new S3Client({
    region: s3.env.AWS_REGION,
    endpoint: s3.env.AWS_ENDPOINT_URL,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.env.AWS_ACCESS_KEY_ID, secretAccessKey: s3.env.AWS_SECRET_ACCESS_KEY },
  });

/** The text of an object of the test bucket. */
export async function objectText(key: string): Promise<string> {
  const answer = await client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
  return answer.Body!.transformToString();
}

/** The keys under a prefix of the test bucket. */
export async function keysUnder(prefix: string): Promise<string[]> {
  const answer = await client().send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }));
  return (answer.Contents ?? []).map((item) => item.Key!.slice(prefix.length + 1));
}
