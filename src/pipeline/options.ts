import { InvalidArgumentError } from 'commander';
import type { Shard } from '../store/cache.js';

export type { Shard };

/**
 * One option of a stage: how the command line spells it, its default, and
 * how its text is parsed. Each stage declares a table of these; the runner
 * and the CLI read the tables.
 */
export interface OptionSpec<T> {
  flags: string;
  description: string;
  default: T;
  parse?: (value: string) => T;
  /** Asks for work rather than changing what the result depends on: not part of the stage's fingerprint, and when given the stage runs even if up to date. */
  action?: true;
  /** Taken by the stage's own command only, never by `papermap run` (one job of a CI matrix, say). */
  stageCommandOnly?: true;
  /** The flag's earlier spelling, still taken for a release (with a notice). */
  formerFlag?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: a table of options of different value types
export type OptionTable = Record<string, OptionSpec<any>>;

/** The values a table of options gives, after parsing. */
export type OptionValues<T extends OptionTable> = { [N in keyof T]: T[N]['default'] };

/** An option, typed by its value (a default of 'auto' would otherwise narrow it to that literal). */
export function option<T>(spec: OptionSpec<T>): OptionSpec<T> {
  return spec;
}

export function wholeNumber(minimum: number) {
  return (value: string): number => {
    const number = Number(value);
    if (value.trim() === '' || !Number.isInteger(number) || number < minimum) throw new InvalidArgumentError(`expected a whole number of at least ${minimum}`);
    return number;
  };
}

export function shardOf(value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || count < 1 || index < 1 || index > count) throw new InvalidArgumentError('expected I/N with 1 <= I <= N, e.g. 2/4');
  return { index, count };
}

/**
 * `--shard I/N`, one spec for every stage that runs in shards (two stages
 * that take one option declare the same spec): one job of a CI matrix.
 */
export const shardOption = option<Shard | undefined>({
  flags: '--shard <I/N>',
  description:
    "run only shard I of N (one job of a CI matrix): embed fills the embedding cache (a folder's cache/, gathered by hand, or a LanceDB store's shared cache); on a LanceDB store index finds one slice's neighbours and cluster assigns one slice to topics fitted once on a seeded sample, into shared tables; then `papermap run` gathers them",
  default: undefined,
  parse: shardOf,
  stageCommandOnly: true,
});
