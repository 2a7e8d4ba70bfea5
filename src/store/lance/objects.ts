import { createReadStream, createWriteStream, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { UserError } from '../../shared/errors.js';
import { writeFileAtomic } from '../../shared/files.js';
import type { Location, S3Settings } from '../location.js';

/**
 * The files a LanceDB store keeps beside its tables (manifest.json, the
 * reports, the JSON artifacts, the index file), by key under the location:
 * in a folder, or in an S3 bucket. Each put replaces an object whole, so a
 * reader sees the old or the new bytes, never a mix.
 */
export interface Objects {
  /** The key as a user would name it: a path, or an s3:// URI. */
  describe(key: string): string;
  /** Fails with one clear line when the location cannot be reached or written, before anything is written. */
  check(): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  /** Downloads an object into a local file; false when there is no such object. */
  download(key: string, file: string): Promise<boolean>;
  put(key: string, body: string | Uint8Array): Promise<void>;
  /** Uploads a local file, streamed (a gigabyte of graph is never held whole). */
  upload(key: string, file: string): Promise<void>;
  /** Puts only when no object has the key; false when one has. */
  putIfAbsent(key: string, body: string): Promise<boolean>;
  /** Uploads a local file only when no object has the key; false when one has. */
  uploadIfAbsent(key: string, file: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** The keys under a prefix. */
  list(prefix: string): Promise<string[]>;
}

export function objectsAt(location: Location, settings: () => S3Settings): Objects {
  return location.kind === 'folder' ? new FolderObjects(location.path) : new S3Objects(location.bucket, location.prefix, location.shown, settings());
}

class FolderObjects implements Objects {
  constructor(private readonly root: string) {}

  describe(key: string): string {
    return join(this.root, key);
  }

  async check(): Promise<void> {
    mkdirSync(this.root, { recursive: true });
  }

  async get(key: string): Promise<Buffer | undefined> {
    const path = join(this.root, key);
    return existsSync(path) ? readFileSync(path) : undefined;
  }

  async download(key: string, file: string): Promise<boolean> {
    const path = join(this.root, key);
    if (!existsSync(path)) return false;
    mkdirSync(dirname(file), { recursive: true });
    await pipeline(createReadStream(path), createWriteStream(file));
    return true;
  }

  async put(key: string, body: string | Uint8Array): Promise<void> {
    mkdirSync(dirname(join(this.root, key)), { recursive: true });
    writeFileAtomic(join(this.root, key), body);
  }

  async upload(key: string, file: string): Promise<void> {
    const path = join(this.root, key);
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    mkdirSync(dirname(path), { recursive: true });
    await pipeline(createReadStream(file), createWriteStream(temp));
    renameSync(temp, path);
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    const path = join(this.root, key);
    mkdirSync(dirname(path), { recursive: true });
    try {
      writeFileAtomicExclusive(path, body);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  async uploadIfAbsent(key: string, file: string): Promise<boolean> {
    const path = join(this.root, key);
    const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    mkdirSync(dirname(path), { recursive: true });
    try {
      await pipeline(createReadStream(file), createWriteStream(temp));
      // a hard link fails when the name is taken: the one step that makes it ours
      linkSync(temp, path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      rmSync(temp, { force: true });
    }
  }

  async delete(key: string): Promise<void> {
    rmSync(join(this.root, key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const dir = join(this.root, prefix);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
    return readdirSync(dir).map((name) => `${prefix.replace(/\/+$/, '')}/${name}`);
  }
}

/** A file made whole under a temporary name, then linked to `path` only if nothing is there. */
function writeFileAtomicExclusive(path: string, body: string): void {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileAtomic(temp, body);
  try {
    // a hard link fails when the name is taken: the one step that makes it ours
    linkSync(temp, path);
  } finally {
    rmSync(temp, { force: true });
  }
}

class S3Objects implements Objects {
  private readonly client: S3Client;

  constructor(
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly shown: string,
    private readonly settings: S3Settings,
  ) {
    // papermap prints its own lines only: the SDK's notice about Node.js versions it will drop is not one (package.json pins it)
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: settings.region,
      ...(settings.endpoint ? { endpoint: settings.endpoint, forcePathStyle: true } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
      maxAttempts: 3,
    });
  }

  private key(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  describe(key: string): string {
    return `${this.shown}/${key}`;
  }

  async check(): Promise<void> {
    await this.call(() => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
  }

  async get(key: string): Promise<Buffer | undefined> {
    const body = await this.body(key);
    if (!body) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }

  async download(key: string, file: string): Promise<boolean> {
    const body = await this.body(key);
    if (!body) return false;
    mkdirSync(dirname(file), { recursive: true });
    await pipeline(body, createWriteStream(file));
    return true;
  }

  private async body(key: string): Promise<Readable | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return answer.Body as Readable;
    } catch (error) {
      if (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.$metadata?.httpStatusCode === 404)) return undefined;
      throw this.problem(error);
    }
  }

  async put(key: string, body: string | Uint8Array): Promise<void> {
    await this.call(() => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: body })));
  }

  async upload(key: string, file: string): Promise<void> {
    await this.call(() => new Upload({ client: this.client, params: { Bucket: this.bucket, Key: this.key(key), Body: createReadStream(file) } }).done());
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: body, IfNoneMatch: '*' }));
      return true;
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata?.httpStatusCode === 412) return false;
      throw this.problem(error);
    }
  }

  async uploadIfAbsent(key: string, file: string): Promise<boolean> {
    try {
      // one PUT (up to 5 GB), as a multipart upload cannot be made conditional everywhere
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(key),
          Body: createReadStream(file),
          ContentLength: statSync(file).size,
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata?.httpStatusCode === 412) return false;
      throw this.problem(error);
    }
  }

  async delete(key: string): Promise<void> {
    await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) })));
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    const start = this.key(`${prefix.replace(/\/+$/, '')}/`);
    do {
      const answer = await this.call(() => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: start, ContinuationToken: token })));
      for (const item of answer.Contents ?? []) if (item.Key) keys.push(item.Key.slice(this.prefix ? this.prefix.length + 1 : 0));
      token = answer.IsTruncated ? answer.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.problem(error);
    }
  }

  /** An S3 failure as one line: what went wrong at the location, and what to check. */
  private problem(error: unknown): Error {
    return s3Problem(error, this.shown, this.settings);
  }
}

/** Turns what S3 (or the network under it) answered into one line naming the location and what to check. */
export function s3Problem(error: unknown, shown: string, settings: S3Settings): Error {
  if (error instanceof UserError) return error;
  const name = (error as { name?: string; Code?: string }).name ?? '';
  const code = (error as NodeJS.ErrnoException).code ?? (error as { cause?: NodeJS.ErrnoException }).cause?.code ?? '';
  const status = (error as S3ServiceException).$metadata?.httpStatusCode;
  const endpoint = settings.endpoint ?? `the S3 endpoint of ${settings.region}`;
  if (['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'AccessDenied', 'Forbidden'].includes(name) || status === 403)
    return new UserError(`${shown}: ${endpoint} refused the credentials (${name || status}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
  if (name === 'CredentialsProviderError')
    return new UserError(`${shown}: no S3 credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or run where an instance role gives them)`);
  if (name === 'NoSuchBucket' || (name === 'NotFound' && status === 404))
    return new UserError(`${shown}: the bucket does not exist at ${endpoint}: create it first, or check the --out URI and AWS_ENDPOINT_URL`);
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code) || name === 'TimeoutError')
    return new UserError(`${shown}: cannot reach ${endpoint} (${code || name}): check AWS_ENDPOINT_URL and that the server is up`);
  return error instanceof Error ? error : new Error(String(error));
}
