import type { StageWrites, Store } from '../store/store.js';
import type { ArtifactName } from '../store/artifacts.js';
import type { ManifestFacts, StageName } from '../store/schemas.js';
import type { OptionName, Options } from './options.js';

/** What a stage learnt before it ran: what its result depends on beyond its declared reads and options, and what run() needs. */
export interface Prepared<P> {
  /** Extra inputs of the fingerprint: input file hashes for ingest, the model's identity for embed. */
  fingerprint?: unknown;
  plan: P;
}

/**
 * A stage, declared: what it reads, which options change its result, how it
 * checks them before anything is written, and its work. What it writes comes
 * from the artifact table (src/store/artifacts.ts). The runner does the
 * skipping, the committing and the manifest; the CLI makes a command of it.
 */
export interface Stage<P = unknown, S = unknown> {
  name: StageName;
  /** The command's help line. */
  description: string;
  reads: readonly ArtifactName[];
  options: readonly OptionName[];
  /** Refuses options that cannot work whatever the papers (an unknown model): `run` checks every stage's before any stage starts. */
  checkOptions?(options: Options): void;
  /** Checks the inputs (nothing is written yet) and plans the work. */
  prepare(store: Store, options: Options): Promise<Prepared<P>> | Prepared<P>;
  /** Refuses options that cannot work on a corpus of this many papers. */
  checkCorpus?(options: Options, papers: number): void;
  run(writer: StageWrites, options: Options, plan: P): Promise<S> | S;
  /** False when these options make the stage a part of a job that commits nothing (embed --shard). */
  commits?(options: Options): boolean;
  /** Facts for the top of manifest.json. */
  facts?(summary: S, plan: P): Partial<ManifestFacts>;
  /** The command's one-line human summary. */
  describe(summary: S, store: Store): string;
}

export function defineStage<P, S>(stage: Stage<P, S>): Stage<P, S> {
  return stage;
}
