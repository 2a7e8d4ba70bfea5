import type { StageName } from './schemas.js';

/**
 * Every file of the output folder, with the one stage that writes it. Stages
 * declare what they read and write by these names; the runner, the manifest
 * and the "up to date" check all go by this table. `keepsPrevious`: the
 * version a commit replaces stays readable in `.previous/`, for the account
 * of what changed (changes.json).
 */
export const ARTIFACTS = {
  papers: { file: 'papers.jsonl', stage: 'ingest', keepsPrevious: true },
  ingestState: { file: 'ingest.state', stage: 'ingest' },
  vectors: { file: 'vectors.f32', stage: 'embed' },
  vectorsInfo: { file: 'vectors.json', stage: 'embed' },
  hnsw: { file: 'index.hnsw', stage: 'index' },
  neighbours: { file: 'neighbours.bin', stage: 'index' },
  related: { file: 'related.json', stage: 'index' },
  indexInfo: { file: 'index.json', stage: 'index' },
  clusters: { file: 'clusters.json', stage: 'cluster', keepsPrevious: true },
  markdown: { file: 'report.md', stage: 'report' },
  html: { file: 'report.html', stage: 'report' },
  graph: { file: 'graph.graphml', stage: 'report' },
  changes: { file: 'changes.json', stage: 'report' },
  map: { file: 'map.json', stage: 'report' },
} as const satisfies Record<string, { file: string; stage: StageName; keepsPrevious?: true }>;

export type ArtifactName = keyof typeof ARTIFACTS;

/** The artifacts a stage writes, in table order. */
export function artifactsOf(stage: StageName): ArtifactName[] {
  return (Object.keys(ARTIFACTS) as ArtifactName[]).filter((name) => ARTIFACTS[name].stage === stage);
}
