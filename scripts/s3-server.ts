/**
 * A real S3-compatible server for the tests and bench:distributed:
 * SeaweedFS, built once from Go's module proxy and kept outside the
 * repository (~/.cache/papermap/seaweedfs-<version>/weed, or under
 * $PAPERMAP_CACHE), then started on free loopback ports with one identity,
 * a bucket, and no telemetry. SeaweedFS checks S3 signatures (so wrong
 * credentials are refused as by AWS) and honours conditional puts
 * (If-None-Match), which LanceDB's commits need to be safe when workers
 * commit at the same moment.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';

export const SEAWEEDFS_MODULE = 'github.com/seaweedfs/seaweedfs';
/** SeaweedFS tags are not Go versions, so the module proxy serves it by commit. */
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';

/** Where papermap keeps what it builds for its tests: $PAPERMAP_CACHE, else ~/.cache/papermap. */
export function cacheRoot(): string {
  return process.env.PAPERMAP_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'papermap');
}

export function weedPath(): string {
  return join(cacheRoot(), `seaweedfs-${SEAWEEDFS_VERSION}`, 'weed');
}

/** What `go mod download -json` says of a module: its folder, or why not. */
const goDownload = z.object({ Dir: z.string().optional(), Error: z.string().optional() });

/**
 * The weed binary, built if it is not there yet (about 10 minutes on two
 * cores, once a machine). Two builds at once wait for each other (a lock
 * folder); a build that fails leaves nothing in place.
 */
export async function ensureWeed(say: (line: string) => void = () => {}): Promise<string> {
  const weed = weedPath();
  if (existsSync(weed)) return weed;
  const dir = join(cacheRoot(), `seaweedfs-${SEAWEEDFS_VERSION}`);
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, 'building');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(weed)) return weed;
      await sleep(5000);
    }
  }
  try {
    if (existsSync(weed)) return weed;
    say(`building SeaweedFS ${SEAWEEDFS_VERSION} from Go's module proxy into ${dir} (once a machine, about 10 minutes)`);
    const go = (args: string[], cwd?: string) => execFileSync('go', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
    try {
      go(['version']);
    } catch {
      throw new Error('Go is needed once a machine to build the S3 test server (SeaweedFS): install it (apt-get install golang-go), then run the tests again');
    }
    const downloaded = goDownload.parse(JSON.parse(go(['mod', 'download', '-json', `${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION}`])));
    if (!downloaded.Dir) throw new Error(`go mod download ${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION} failed: ${downloaded.Error ?? 'no folder'}`);
    const temp = `${weed}.${process.pid}.tmp`;
    go(['build', '-o', temp, './weed'], downloaded.Dir);
    renameSync(temp, weed);
    return weed;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A loopback port nothing listens on now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface S3Server {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** The environment papermap reads its S3 settings from. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Waits until the S3 port answers for the bucket's owner, or the server exits. */
async function waitForS3(client: S3Client, bucket: string, server: ChildProcess, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`weed exited with code ${server.exitCode} before S3 was up`);
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      await client.send(new HeadBucketCommand({ Bucket: bucket }));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`S3 did not come up in ${seconds} s: ${(error as Error).message}`);
      await sleep(500);
    }
  }
}

/** Starts SeaweedFS (master, volume, filer and S3 in one process) on free loopback ports, with a bucket made. */
export async function startS3Server(options: { bucket?: string; say?: (line: string) => void } = {}): Promise<S3Server> {
  const weed = await ensureWeed(options.say);
  const data = mkdtempSync(join(tmpdir(), 'papermap-s3-'));
  const accessKeyId = `papermap${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('hex');
  const config = join(data, 's3.json');
  writeFileSync(
    config,
    JSON.stringify({
      identities: [
        { name: 'papermap', credentials: [{ accessKey: accessKeyId, secretKey: secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] },
      ],
    }),
  );
  const ports = await Promise.all(Array.from({ length: 8 }, () => freePort()));
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = ports;
  const args = [
    // its logs in its data folder, which stop() removes, not in the temp folder
    `-logdir=${data}`,
    'server',
    `-dir=${data}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    '-master.telemetry=false',
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    '-master.volumeSizeLimitMB=64',
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    '-volume.max=0',
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    `-filer.localSocket=${join(data, 'filer.sock')}`,
    '-s3',
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.localSocket=${join(data, 's3.sock')}`,
    `-s3.config=${config}`,
  ];
  const server = spawn(weed, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
  let log = '';
  server.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-20_000);
  });
  const endpoint = `http://127.0.0.1:${s3}`;
  const region = 'us-east-1';
  const bucket = options.bucket ?? 'papermap';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = new S3Client({ region, endpoint, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (server.exitCode === null) server.kill('SIGKILL');
    }
    client.destroy();
    rmSync(data, { recursive: true, force: true });
  };
  try {
    await waitForS3(client, bucket, server, 90);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${log.slice(-3000)}`);
  }
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    bucket,
    env: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: region, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey },
    stop,
  };
}
