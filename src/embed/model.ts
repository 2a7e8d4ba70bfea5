import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../shared/errors.js';
import { sha256File, writeFileAtomic } from '../shared/files.js';
import { notice, progressBar } from '../shared/progress.js';

export const MINILM_NAME = 'Xenova/all-MiniLM-L6-v2';
const MINILM_URL = `https://huggingface.co/${MINILM_NAME}/resolve/main`;

/** The upstream files papermap needs, with the SHA-256 sums of the files it was validated with. */
const MINILM_FILES: { path: string; sha256?: string }[] = [
  { path: 'config.json' },
  { path: 'tokenizer_config.json' },
  { path: 'tokenizer.json', sha256: 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0' },
  { path: 'onnx/model_quantized.onnx', sha256: 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1' },
];

/** No answer for this long, or a stalled transfer, counts as no network: papermap never hangs on a download. */
const NETWORK_TIMEOUT_MS = 15_000;

/** The files of a transformers.js model folder that papermap needs, the int8 weights preferred as transformers.js does. */
export function modelFiles(dir: string): { onnx: string; quantized: boolean } | { missing: string[] } {
  const missing = ['config.json', 'tokenizer.json', 'tokenizer_config.json'].filter((file) => !existsSync(join(dir, file)));
  const quantized = existsSync(join(dir, 'onnx', 'model_quantized.onnx'));
  if (!quantized && !existsSync(join(dir, 'onnx', 'model.onnx'))) missing.push('onnx/model_quantized.onnx (or onnx/model.onnx)');
  if (missing.length > 0) return { missing };
  return { onnx: join(dir, 'onnx', quantized ? 'model_quantized.onnx' : 'model.onnx'), quantized };
}

/** sentence-transformers cuts all-MiniLM-L6-v2 inputs at 256 word pieces (its max_seq_length); so do we. */
export const DEFAULT_MAX_TOKENS = 256;

/**
 * What a transformer folder will produce, read from its files without loading
 * it: the identity changes whenever the vectors could (weights, tokenizer,
 * truncation length), so cached vectors of other weights are never reused.
 */
export function describeTransformer(dir: string): { identity: string; dim: number; maxTokens: number; quantized: boolean } {
  const files = modelFiles(dir);
  if ('missing' in files) throw new UserError(`model folder ${dir} lacks ${files.missing.join(', ')}`);
  const configPath = join(dir, 'config.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { hidden_size?: number; max_position_embeddings?: number };
  if (!config.hidden_size) throw new UserError(`${configPath}: no hidden_size; is this a BERT-like encoder?`);
  const maxTokens = Math.min(readMaxSeqLength(dir) ?? DEFAULT_MAX_TOKENS, config.max_position_embeddings ?? Infinity);
  const identity = [sha256File(files.onnx).slice(0, 16), sha256File(join(dir, 'tokenizer.json')).slice(0, 8), `max${maxTokens}`, 'mean-l2'].join(':');
  return { identity, dim: config.hidden_size, maxTokens, quantized: files.quantized };
}

/** sentence-transformers folders say their truncation length in sentence_bert_config.json. */
function readMaxSeqLength(dir: string): number | undefined {
  const path = join(dir, 'sentence_bert_config.json');
  if (!existsSync(path)) return undefined;
  const value = (JSON.parse(readFileSync(path, 'utf8')) as { max_seq_length?: unknown }).max_seq_length;
  return typeof value === 'number' && value > 0 ? value : undefined;
}

export type ResolvedModel =
  | { kind: 'transformer'; name: string; dir: string }
  | { kind: 'builtin'; fallbackReason?: string };

export function minilmDir(modelsDir: string): string {
  return join(modelsDir, ...MINILM_NAME.split('/'));
}

/** Where to put the MiniLM files by hand, for air-gapped machines. */
export function minilmByHand(modelsDir: string): string {
  return `copy ${MINILM_FILES.map((file) => file.path).join(', ')} from ${MINILM_URL.replace('/resolve/main', '')} into ${minilmDir(modelsDir)}/`;
}

/** How to get MiniLM, for messages. */
export function minilmHowTo(modelsDir: string): string {
  return `run \`papermap fetch-model\`, or on an air-gapped machine ${minilmByHand(modelsDir)}`;
}

/** Checks the pinned sums of a MiniLM folder; returns what is wrong, or nothing. */
function checkMinilm(dir: string): string | undefined {
  const files = modelFiles(dir);
  if ('missing' in files) {
    return existsSync(dir) ? `MiniLM incomplete in ${dir}/ (missing ${files.missing.join(', ')})` : `MiniLM not found in ${dir}/`;
  }
  for (const file of MINILM_FILES) {
    if (!file.sha256) continue;
    const actual = sha256File(join(dir, file.path));
    if (actual !== file.sha256) return `${join(dir, file.path)} does not match its pinned SHA-256 (expected ${file.sha256.slice(0, 12)}…, got ${actual.slice(0, 12)}…)`;
  }
  return undefined;
}

/**
 * Downloads MiniLM into `<modelsDir>/Xenova/all-MiniLM-L6-v2/`, checking each
 * pinned sum before the file is put in place. Throws a UserError that says how
 * to place the files by hand when the network is not there.
 */
export async function fetchMinilm(modelsDir: string): Promise<string> {
  const dir = minilmDir(modelsDir);
  for (const file of MINILM_FILES) {
    const target = join(dir, file.path);
    if (existsSync(target) && (!file.sha256 || sha256File(target) === file.sha256)) continue;
    const url = `${MINILM_URL}/${file.path}`;
    let bytes: Buffer;
    try {
      bytes = await download(url, file.path);
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new UserError(`cannot download ${url} (${cause})`);
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (file.sha256 && actual !== file.sha256) {
      throw new UserError(`${url} does not match its pinned SHA-256 (expected ${file.sha256}, got ${actual}); nothing was saved`);
    }
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    writeFileAtomic(target, bytes);
  }
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { model_type?: string; hidden_size?: number };
  if (config.model_type !== 'bert' || config.hidden_size !== 384) throw new UserError(`${join(dir, 'config.json')} is not the all-MiniLM-L6-v2 config`);
  return dir;
}

async function download(url: string, label: string): Promise<Buffer> {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new Error(`no answer in ${NETWORK_TIMEOUT_MS / 1000} s`)), NETWORK_TIMEOUT_MS);
  const restartTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`transfer stalled for ${NETWORK_TIMEOUT_MS / 1000} s`)), NETWORK_TIMEOUT_MS);
  };
  try {
    const response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    const total = Number(response.headers.get('content-length') ?? 0);
    notice(`downloading ${url} (${(total / 1e6).toFixed(1)} MB)`);
    const bar = progressBar(`downloading ${label}`, total);
    const chunks: Uint8Array[] = [];
    try {
      for await (const chunk of response.body) {
        restartTimer();
        chunks.push(chunk);
        bar.advance(chunk.length);
      }
    } finally {
      bar.stop();
    }
    return Buffer.concat(chunks);
  } finally {
    clearTimeout(timer);
  }
}

/** Refuses a `--model` that is neither a known name nor an existing folder, before any work is done. */
export function checkModelChoice(choice: string): void {
  if (!['auto', 'minilm', 'builtin'].includes(choice) && !existsSync(choice)) {
    throw new UserError(`unknown model "${choice}": use auto, minilm, builtin, or the path of a transformers.js model folder`);
  }
}

/**
 * Turns `--model` into the model to use. `auto` takes MiniLM when it is in
 * models/ or can be fetched, else the builtin embedder with the reason why;
 * `minilm` fails instead of falling back; anything else is a model folder.
 */
export async function resolveModel(choice: string, options: { modelsDir: string; offline: boolean }): Promise<ResolvedModel> {
  if (choice === 'builtin') return { kind: 'builtin' };
  if (choice === 'auto' || choice === 'minilm') {
    const dir = minilmDir(options.modelsDir);
    let problem = checkMinilm(dir);
    // Only fetch what is missing: a file the user placed by hand is never overwritten.
    if (problem && !options.offline && 'missing' in modelFiles(dir)) {
      try {
        await fetchMinilm(options.modelsDir);
        problem = checkMinilm(dir);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        problem = `${problem}; ${error.message}`;
      }
    }
    if (!problem) return { kind: 'transformer', name: MINILM_NAME, dir };
    if (options.offline) problem += ' (--offline: no download tried)';
    if (choice === 'minilm') throw new UserError(`${problem}; ${minilmHowTo(options.modelsDir)}, or use --model builtin`);
    return { kind: 'builtin', fallbackReason: problem };
  }
  checkModelChoice(choice);
  return { kind: 'transformer', name: choice, dir: choice };
}
