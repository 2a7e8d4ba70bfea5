import { isIP } from 'node:net';
import { UserError } from '../shared/errors.js';

/** The two stores: `files`, an output folder; `lance`, LanceDB tables with the reports as files beside them. */
export const STORE_KINDS = ['files', 'lance'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Where a store is: a folder on this machine, or a prefix in an S3 bucket. */
export type Location = { kind: 'folder'; path: string; shown: string } | { kind: 's3'; bucket: string; prefix: string; shown: string };

/** `--out` as a location: `s3://bucket/prefix` or a folder. Other URI schemes are refused by name. */
export function parseLocation(out: string): Location {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(out)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'folder', path: out, shown: out };
  if (scheme !== 's3') throw new UserError(`--out ${out}: papermap writes to a folder or to s3://bucket/prefix, not to ${scheme}://`);
  const match = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(out);
  const bucket = match?.[1] ?? '';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new UserError(`--out ${out}: "${bucket}" is not an S3 bucket name`);
  const prefix = (match?.[2] ?? '').replace(/\/+$/, '');
  return { kind: 's3', bucket, prefix, shown: `s3://${bucket}${prefix ? `/${prefix}` : ''}` };
}

/** How to reach S3, from the usual AWS_* environment variables. */
export interface S3Settings {
  region: string;
  /** A custom endpoint (an S3-compatible server); undefined for AWS itself. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** True for an endpoint on this machine: the only place plain HTTP is allowed. */
function isLocalHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/**
 * The S3 settings of the environment: AWS_REGION (or AWS_DEFAULT_REGION),
 * AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID with
 * AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN). Without keys the SDKs'
 * own chain is used (an instance role, say). An http:// endpoint is refused
 * unless it is on this machine: keys and papers never cross a network
 * unencrypted.
 */
export function s3Settings(env: NodeJS.ProcessEnv = process.env): S3Settings {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UserError(`AWS_ENDPOINT_URL ${endpoint} is not a URL: give one such as https://s3.example.org`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UserError(`AWS_ENDPOINT_URL ${endpoint}: expected an http:// or https:// URL`);
    if (url.protocol === 'http:' && !isLocalHost(url.hostname))
      throw new UserError(`AWS_ENDPOINT_URL ${endpoint} is plain HTTP to another machine: use https://, plain HTTP is allowed only for a local endpoint`);
  }
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if ((id === undefined) !== (secret === undefined))
    throw new UserError('only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set: set both, or neither to use the default credentials');
  return {
    region,
    ...(endpoint ? { endpoint: endpoint.replace(/\/+$/, '') } : {}),
    ...(id && secret
      ? { credentials: { accessKeyId: id, secretAccessKey: secret, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {}),
  };
}

/** The same settings as LanceDB's storage options (object_store's keys). */
export function lanceStorageOptions(settings: S3Settings): Record<string, string> {
  return {
    region: settings.region,
    // a failing endpoint is told in seconds, not after minutes of retries
    connect_timeout: '5s',
    timeout: '120s',
    ...(settings.endpoint ? { endpoint: settings.endpoint, virtual_hosted_style_request: 'false' } : {}),
    ...(settings.endpoint?.startsWith('http:') ? { allow_http: 'true' } : {}),
    ...(settings.credentials
      ? {
          aws_access_key_id: settings.credentials.accessKeyId,
          aws_secret_access_key: settings.credentials.secretAccessKey,
          ...(settings.credentials.sessionToken ? { aws_session_token: settings.credentials.sessionToken } : {}),
        }
      : {}),
  };
}
