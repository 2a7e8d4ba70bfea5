import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../shared/errors.js';
import { sha256File } from '../shared/files.js';
import { PACKAGE_ROOT } from '../shared/version.js';
import { schemaProblem } from '../store/folder.js';

/** The model papermap ships, in the user's words. */
export const MINILM_NAME = 'all-MiniLM-L6-v2';
/** Where it ships: in papermap's own folder, so it is found whatever the working directory. */
export const SHIPPED_MODEL_DIR = join(PACKAGE_ROOT, 'models', MINILM_NAME);

/** The shipped files papermap loads, with the SHA-256 each must have (provenance: models/all-MiniLM-L6-v2/README.md). */
export const SHIPPED_FILES: readonly { path: string; sha256: string }[] = [
  { path: 'config.json', sha256: '953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41' },
  { path: 'tokenizer.json', sha256: 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037' },
  { path: 'sentence_bert_config.json', sha256: 'fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7' },
  { path: 'tokenizer_config.json', sha256: 'acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b' },
  { path: 'onnx/model_quantized.onnx', sha256: '8115b34e5d9955551d9c416b123d186d5afe4faffac6bba2ef1b8c6efccd8769' },
];

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

const bertConfig = z.looseObject({ hidden_size: z.number().int().positive(), max_position_embeddings: z.number().int().positive().optional() });
const tokenizerFile = z.looseObject({
  normalizer: z.looseObject({ type: z.string(), lowercase: z.boolean().optional(), strip_accents: z.boolean().nullable().optional() }).nullable().optional(),
});
const sentenceBertConfig = z.looseObject({ max_seq_length: z.number().int().positive().optional() });

function readJsonFile<T extends z.ZodType>(path: string, schema: T, what: string): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new UserError(`${path} is not valid JSON: is this a transformers.js model folder?`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new UserError(`${path} is not ${what} (${schemaProblem(parsed.error)})`);
  return parsed.data;
}

/**
 * What a transformer folder will produce, read from its files without loading
 * it: the identity changes whenever the vectors could (weights, tokenizer,
 * truncation length), so cached vectors of other weights are never reused.
 */
export function describeTransformer(dir: string): TransformerFacts {
  const files = modelFiles(dir);
  if ('missing' in files) throw new UserError(`model folder ${dir} lacks ${files.missing.join(', ')}`);
  const config = readJsonFile(join(dir, 'config.json'), bertConfig, 'the config of a BERT-like encoder');
  const sentenceConfig = join(dir, 'sentence_bert_config.json');
  const maxSeqLength = existsSync(sentenceConfig)
    ? readJsonFile(sentenceConfig, sentenceBertConfig, 'a sentence-transformers config').max_seq_length
    : undefined;
  const maxTokens = Math.min(maxSeqLength ?? DEFAULT_MAX_TOKENS, config.max_position_embeddings ?? Infinity);
  const { normalizer } = readJsonFile(join(dir, 'tokenizer.json'), tokenizerFile, 'a tokenizers tokenizer.json');
  // BERT's normalizer strips accents when told to, or by default when it lowercases
  const stripsAccents = normalizer?.type === 'BertNormalizer' && (normalizer.strip_accents ?? normalizer.lowercase ?? false) === true;
  const identity = [
    sha256File(files.onnx).slice(0, 16),
    sha256File(join(dir, 'tokenizer.json')).slice(0, 8),
    `max${maxTokens}`,
    stripsAccents ? 'mn' : 'raw',
    'mean-l2',
  ].join(':');
  return { identity, dim: config.hidden_size, maxTokens, quantized: files.quantized, stripsAccents };
}

/** What is wrong with the shipped model files, or nothing: each must be there with its pinned SHA-256. */
export function checkShippedModel(dir = SHIPPED_MODEL_DIR): string | undefined {
  const restore = 'restore it with `git checkout models/` (or reinstall papermap)';
  for (const file of SHIPPED_FILES) {
    const path = join(dir, file.path);
    const shown = relative(process.cwd(), path) || path;
    if (!existsSync(path)) return `the shipped model file ${shown} is missing: ${restore}`;
    if (sha256File(path) !== file.sha256) return `the shipped model file ${shown} does not match its pinned SHA-256 (damaged or replaced): ${restore}`;
  }
  return undefined;
}

/** What a transformer folder's files say of the vectors it makes. */
export interface TransformerFacts {
  identity: string;
  dim: number;
  maxTokens: number;
  quantized: boolean;
  stripsAccents: boolean;
}

/** A transformer model, resolved: its name in the user's words, its folder (absolute), and what its files say. */
export type TransformerModel = { kind: 'transformer'; name: string; dir: string } & TransformerFacts;
export type ResolvedModel = TransformerModel | { kind: 'builtin'; fallbackReason?: string };

/** A process resolves each --model once: resolving hashes the weights (72 MB for the shipped model). */
const resolved = new Map<string, ResolvedModel>();

/** Refuses a `--model` that is neither a known name nor an existing folder, before any work is done. */
export function checkModelChoice(choice: string): void {
  if (!['auto', 'minilm', 'builtin'].includes(choice) && !existsSync(choice)) {
    throw new UserError(`unknown model "${choice}": use auto, minilm, builtin, or the path of a transformers.js model folder`);
  }
}

/**
 * Turns `--model` into the model to use, touching no network: `auto` takes
 * the shipped all-MiniLM-L6-v2 when its files pass their hashes, else the
 * builtin embedder with the reason why; `minilm` fails instead of falling
 * back; anything else is a model folder.
 */
export function resolveModel(choice: string): ResolvedModel {
  let model = resolved.get(choice);
  if (!model) {
    model = resolveAnew(choice);
    resolved.set(choice, model);
  }
  return model;
}

function resolveAnew(choice: string): ResolvedModel {
  if (choice === 'builtin') return { kind: 'builtin' };
  if (choice === 'auto' || choice === 'minilm') {
    const problem = checkShippedModel();
    if (!problem) return transformerIn(SHIPPED_MODEL_DIR, MINILM_NAME);
    if (choice === 'minilm') throw new UserError(`${problem}; or use --model builtin`);
    return { kind: 'builtin', fallbackReason: problem };
  }
  checkModelChoice(choice);
  return transformerIn(choice, choice);
}

/** The transformer model in a folder, described from its files. */
export function transformerIn(dir: string, name: string): TransformerModel {
  return { kind: 'transformer', name, dir: resolve(dir), ...describeTransformer(dir) };
}
