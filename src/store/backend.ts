import type { ArtifactName } from './artifacts.js';
import type { OutputFolder } from './folder.js';
import type { StoreKind } from './location.js';
import { lockFolder } from './lock.js';
import type { StageName } from './schemas.js';
import type { TaskStore } from './tasks.js';

/**
 * What the runner needs of a store around the stages: a folder the stages
 * read and write through the Store interface, and the moves that keep it in
 * step with the store's location. For the file store the folder is the
 * location and the moves are nothing; a LanceDB store brings what a stage
 * reads into a local working copy before it runs, and publishes what it
 * committed (tables, then the files beside them, then manifest.json, the
 * commit point) after.
 */
export interface Backend {
  readonly kind: StoreKind;
  /** Where the store is, as the user named it. */
  readonly location: string;
  /** The folder the stages read and write: the output folder itself, or the working copy of the location. */
  readonly folder: OutputFolder;
  /** Takes the store's lock, so that two papermaps never commit the same stage at once; resolves to its release. */
  lock(): Promise<() => Promise<void>>;
  /** Brings these artifacts, as committed, and the manifest into the folder. */
  pull(names: readonly ArtifactName[]): Promise<void>;
  /** Publishes what a stage committed in the folder. */
  push(stage: StageName): Promise<void>;
  /** Publishes the manifest alone (a stage found up to date). */
  pushManifest(): Promise<void>;
  /** Publishes a file written into the folder beside the artifacts, by a command rather than a stage (recommendations.md). */
  publishFile(file: string): Promise<void>;
  /** Waits for the cache writes under way; a failed stage's cache is kept too. */
  settle(): Promise<void>;
  /** The store's shared tables for tasks that run at the same moment (`--shard`); undefined where the store has none. */
  readonly tasks?: TaskStore;
  close(): Promise<void>;
}

/** The file store: the output folder is the location. */
export class FileBackend implements Backend {
  readonly kind = 'files';

  constructor(readonly folder: OutputFolder) {}

  get location(): string {
    return this.folder.out;
  }

  async lock(): Promise<() => Promise<void>> {
    const release = lockFolder(this.folder.out);
    return async () => release();
  }

  async pull(): Promise<void> {}
  async push(): Promise<void> {}
  async pushManifest(): Promise<void> {}
  async publishFile(): Promise<void> {}
  async settle(): Promise<void> {}
  async close(): Promise<void> {}
}
