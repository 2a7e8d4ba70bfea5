import { InvalidArgumentError } from 'commander';
import { DEFAULT_SEED, DRIFT_THRESHOLD } from '../cluster/index.js';
import type { Shard } from '../store/cache.js';
import { DEFAULT_BATCH_SIZE } from '../embed/index.js';
import { DEFAULT_HNSW, DEFAULT_NEIGHBOURS } from '../index/index.js';

/** Every option a stage can take, after parsing. A stage declares which of them change its result. */
export interface Options {
  inputs: string[];
  strict: boolean;
  model: string;
  batchSize: number;
  m: number;
  efConstruction: number;
  neighbours: number;
  minSimilarity: number | 'auto';
  k: number | 'auto';
  seed: number;
  refit: boolean;
  shard: Shard | undefined;
}

export type OptionName = keyof Options;

function wholeNumber(minimum: number) {
  return (value: string): number => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isInteger(number) || number < minimum) throw new InvalidArgumentError(`expected a whole number of at least ${minimum}`);
    return number;
  };
}

function topicCount(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : wholeNumber(2)(value);
}

function similarityFloor(value: string): number | 'auto' {
  const number = Number(value);
  if (value === 'auto') return 'auto';
  if (value.trim() === '' || !Number.isFinite(number) || number < -1 || number > 1) throw new InvalidArgumentError('expected "auto" or a number from -1 to 1');
  return number;
}

function shardOf(value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || count < 1 || index < 1 || index > count) throw new InvalidArgumentError('expected I/N with 1 <= I <= N, e.g. 2/4');
  return { index, count };
}

export interface OptionSpec<N extends OptionName = OptionName> {
  flags: string;
  description: string;
  default: Options[N];
  parse?: (value: string) => Options[N];
  /** Asks for work rather than changing what the result depends on: not part of the stage's fingerprint, and when given the stage runs even if up to date. */
  action?: true;
  /** The flag's earlier spelling, still taken for a release (with a notice). */
  formerFlag?: string;
}

/** The command line's spelling of every stage option: the CLI builds each command's options from this table. */
export const OPTION_SPECS: { [N in OptionName]: OptionSpec<N> } = {
  inputs: { flags: '--input <path...>', description: 'input files or folders (listing dumps, JSON Lines, JSON arrays, CSV/TSV)', default: ['seeds'] },
  strict: { flags: '--strict', description: 'fail on the first bad record instead of reporting it and going on', default: false },
  model: {
    flags: '--model <model>',
    description: 'auto (the shipped all-MiniLM-L6-v2) | minilm | builtin | path of a transformers.js model folder',
    default: 'auto',
  },
  batchSize: {
    flags: '--batch-size <n>',
    description:
      'full-length texts (256 word pieces) per model call, shorter texts more, for a model without int8 weights (an int8 model, as the shipped one, runs one text a call)',
    default: DEFAULT_BATCH_SIZE,
    parse: wholeNumber(1),
  },
  m: { flags: '--m <n>', description: 'HNSW links per node', default: DEFAULT_HNSW.m, parse: wholeNumber(2) },
  efConstruction: {
    flags: '--ef-construction <n>',
    description: 'HNSW candidates while building',
    default: DEFAULT_HNSW.efConstruction,
    parse: wholeNumber(1),
  },
  neighbours: {
    flags: '--neighbours <k>',
    description: 'related papers kept per paper',
    default: DEFAULT_NEIGHBOURS,
    parse: wholeNumber(1),
    formerFlag: '--neighbors',
  },
  minSimilarity: {
    flags: '--min-similarity <x>',
    description: 'similarity floor of related papers; auto = 99th percentile of random pairs',
    default: 'auto',
    parse: similarityFloor,
  },
  k: { flags: '--k <k>', description: 'number of topics, or auto', default: 'auto', parse: topicCount },
  seed: { flags: '--seed <n>', description: 'seed of k-means and the map', default: DEFAULT_SEED, parse: wholeNumber(0) },
  refit: {
    flags: '--refit',
    description: `fit the topics anew now (each keeps the id of the earlier topic it continues); otherwise new papers join their nearest topic until the papers added, changed and removed since the last fit pass ${100 * DRIFT_THRESHOLD}% of it`,
    default: false,
    action: true,
  },
  shard: {
    flags: '--shard <I/N>',
    description:
      "embed only shard I of N into cache/ (one job of a CI matrix); gather every shard's cache/ into one folder, then `papermap run` embeds nothing",
    default: undefined,
    parse: shardOf,
  },
};

export { wholeNumber };

/** Every option at its default, as a command given no flags has them. */
export function defaultOptions(): Options {
  return Object.fromEntries(Object.entries(OPTION_SPECS).map(([name, spec]) => [name, spec.default])) as unknown as Options;
}
