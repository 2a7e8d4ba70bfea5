import type { z } from 'zod';
import { changesFile, clustersFile, indexInfo, mapFile, paperLine, vectorsInfo, type StageName } from './schemas.js';

/**
 * How an artifact is kept, and so which of the store's readers and writers
 * serve it: `json` is read by readJson against the artifact's schema;
 * `papers` (one paperLine a line) by the paper readers; `vectors` (float32,
 * vectors.json's count by dim) by the vector readers; `neighbours` by
 * readNeighbours; `text` and `bytes` whole, or through a local file by a
 * library that reads a path; `cache` by the embedding cache (cache.ts:
 * records of a text hash, a vector and a check). The stage that writes an artifact writes it
 * through its StageWrites, in the same form.
 */
type Format = 'json' | 'papers' | 'vectors' | 'neighbours' | 'text' | 'bytes' | 'cache';

interface Declaration {
  /** Its name in a folder, and at any other location. */
  file: string;
  /** The one stage that writes it. */
  stage: StageName;
  format: Format;
  /** What every reader checks a JSON artifact (or each line of papers) against. */
  schema?: z.ZodType;
  /** The version a commit replaces stays readable (`.previous/`), for the account of what changed (changes.json). */
  keepsPrevious?: true;
  /**
   * Kept as it is written, beside the stage's commit and not in the manifest,
   * so that a killed run loses at most a batch: each record is checked as it
   * is read, and anything damaged is made again, never served.
   */
  asWritten?: true;
}

/**
 * Every artifact papermap keeps, with the one stage that writes it. Stages
 * declare what they read and write by these names; the runner, the manifest,
 * the "up to date" check and every store go by this table.
 */
export const ARTIFACTS = {
  papers: { file: 'papers.jsonl', stage: 'ingest', format: 'papers', schema: paperLine, keepsPrevious: true },
  ingestState: { file: 'ingest.state', stage: 'ingest', format: 'bytes' },
  vectors: { file: 'vectors.f32', stage: 'embed', format: 'vectors' },
  vectorsInfo: { file: 'vectors.json', stage: 'embed', format: 'json', schema: vectorsInfo },
  hnsw: { file: 'index.hnsw', stage: 'index', format: 'bytes' },
  neighbours: { file: 'neighbours.bin', stage: 'index', format: 'neighbours' },
  related: { file: 'related.json', stage: 'index', format: 'text' },
  indexInfo: { file: 'index.json', stage: 'index', format: 'json', schema: indexInfo },
  clusters: { file: 'clusters.json', stage: 'cluster', format: 'json', schema: clustersFile, keepsPrevious: true },
  markdown: { file: 'report.md', stage: 'report', format: 'text' },
  html: { file: 'report.html', stage: 'report', format: 'text' },
  graph: { file: 'graph.graphml', stage: 'report', format: 'text' },
  changes: { file: 'changes.json', stage: 'report', format: 'json', schema: changesFile },
  map: { file: 'map.json', stage: 'report', format: 'json', schema: mapFile },
  /** Vectors by model identity and text hash: a re-run embeds only new or changed texts. */
  embeddingCache: { file: 'cache', stage: 'embed', format: 'cache', asWritten: true },
  /** The builtin embedder's fit, one per identity (the corpus it was fitted on), beside the cache. */
  builtinFit: { file: 'cache', stage: 'embed', format: 'bytes', asWritten: true },
} as const satisfies Record<string, Declaration>;

export type ArtifactName = keyof typeof ARTIFACTS;

/** The artifacts read as JSON against a schema. */
export type JsonArtifactName = { [N in ArtifactName]: (typeof ARTIFACTS)[N] extends { format: 'json' } ? N : never }[ArtifactName];

/** What a JSON artifact holds, as its schema says. */
export type JsonOf<N extends JsonArtifactName> = z.infer<(typeof ARTIFACTS)[N]['schema']>;

/** The artifacts a stage commits, in table order (not those kept as written). */
export function artifactsOf(stage: StageName): ArtifactName[] {
  return (Object.keys(ARTIFACTS) as ArtifactName[]).filter((name) => ARTIFACTS[name].stage === stage && !('asWritten' in ARTIFACTS[name]));
}
