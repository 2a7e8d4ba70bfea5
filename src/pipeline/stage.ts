import type { StageWrites, Store } from '../store/store.js';
import type { TaskStore } from '../store/tasks.js';
import type { ArtifactName } from '../store/artifacts.js';
import type { ManifestFacts, StageName, VectorsInfo } from '../store/schemas.js';
import type { OptionTable, OptionValues } from './options.js';

/** What a stage learnt before it ran: what its result depends on beyond its declared reads and options, and what run() needs. */
export interface Prepared<P> {
  /** Extra inputs of the fingerprint: input file hashes for ingest, the model's identity for embed. */
  fingerprint?: unknown;
  plan: P;
  /** What this stage's tasks (`--shard`) are of, where it runs as tasks: a run without --shard needs every shard done (tasks.ts). */
  tasksOf?: string;
}

/**
 * A stage, declared: what it reads, its options (flags, defaults, parsing),
 * how it checks them before anything is written, and its work. What it writes
 * comes from the artifact table (src/store/artifacts.ts). The runner does the
 * skipping, the committing and the manifest; the CLI makes a command of it.
 */
/** A model that embeds short texts into the papers' vector space, as the embed stage loads it for the vectors of a store. */
export type PhraseModel = (
  store: Store,
  info: VectorsInfo,
) => Promise<{ embedShort(texts: readonly string[]): Promise<Float32Array>; dispose(): Promise<void> }>;

/** What the runner hands a stage beyond its options: another stage's capabilities, without the stages importing one another. */
export interface Services {
  phraseModel?: PhraseModel;
  /** The store's shared tables, where its stage's tasks (`--shard`) may have written rows for it to gather. */
  tasks?: TaskStore;
}

/** `S`: what its run tells; `T`: what its task (`--shard`) tells. */
export interface Stage<O extends OptionTable = OptionTable, P = unknown, S = unknown, T = S> {
  name: StageName;
  /** The command's help line. */
  description: string;
  reads: readonly ArtifactName[];
  /** What it reads where there is one, which does not make its result stale (the builtin embedder's fit, to rank labels by): a store brings it in with the reads. */
  uses?: readonly ArtifactName[];
  /** The options that change its result or ask for work; two stages that take one option declare the same spec. */
  options: O;
  /** Refuses options that cannot work whatever the papers (an unknown model): `run` checks every stage's before any stage starts. */
  checkOptions?(options: OptionValues<O>): void;
  /** Refuses files of the output folder the user keeps (topics.yaml) that cannot work: `run` checks every stage's before any stage starts. */
  checkFolder?(folder: Store, options: OptionValues<O>): void;
  /** Checks the inputs (nothing is written yet) and plans the work. */
  prepare(store: Store, options: OptionValues<O>): Promise<Prepared<P>> | Prepared<P>;
  /** Refuses options that cannot work on a corpus of this many papers. */
  checkCorpus?(options: OptionValues<O>, papers: number): void;
  run(writer: StageWrites, options: OptionValues<O>, plan: P, services: Services): Promise<S> | S;
  /** The stage's work for one shard (`--shard I/N`) as a task over a store that workers share, at the same moment as the others. */
  task?(tasks: TaskStore, options: OptionValues<O>): Promise<T>;
  /**
   * Why something the stage keeps outside its artifacts, which later commands
   * need, is missing or damaged (the builtin embedder's fit, which free-text
   * queries load), or undefined: the stage is then not up to date.
   */
  lost?(store: Store, plan: P): string | undefined;
  /** False when these options make the stage a part of a job that commits nothing (embed --shard). */
  commits?(options: OptionValues<O>): boolean;
  /** Facts for the top of manifest.json. */
  facts?(summary: S, plan: P): Partial<ManifestFacts>;
  /** The command's one-line human summary. */
  describe(summary: S | T, store: Store): string;
}

export function defineStage<O extends OptionTable, P, S, T = S>(stage: Stage<O, P, S, T>): Stage<O, P, S, T> {
  return stage;
}
