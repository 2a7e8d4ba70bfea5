import { existsSync, readFileSync } from 'node:fs';
import { checkK, cluster, clustersPath, type Clusters } from './cluster/index.js';
import { embed, planEmbedding, type EmbedOptions, type EmbedSummary } from './embed/index.js';
import { checkModelChoice } from './embed/model.js';
import { buildIndex, indexPath, type IndexOptions, type IndexSummary } from './index/index.js';
import { ingest, listInputFiles, type IngestSummary } from './ingest/index.js';
import { report, reportPath, type ReportSummary } from './report/index.js';
import { artifactPath, readVectorsInfo } from './shared/artifacts.js';
import { UserError } from './shared/errors.js';
import { sha256, sha256File } from './shared/files.js';
import { readManifest, recordStage, VERSION, type ManifestFacts, type StageName, type StageRecord } from './shared/manifest.js';

export interface RunOptions extends EmbedOptions, Omit<IndexOptions, 'out'> {
  inputs: string[];
  strict: boolean;
  k: number | 'auto';
  seed: number;
}

export interface StageOutcome<T> {
  status: StageRecord['status'];
  seconds: number;
  /** What the stage did; absent when it was up to date. */
  result?: T;
}

/**
 * Runs one stage and records it in the manifest. With a fingerprint, the
 * stage is skipped as "up to date" when the manifest holds the same one and
 * its outputs are all there.
 */
async function stage<T>(
  out: string,
  name: StageName,
  parameters: Record<string, unknown>,
  fingerprintOf: unknown,
  outputs: string[],
  work: () => T | Promise<T>,
  factsOf: (result: T) => Partial<ManifestFacts>,
): Promise<StageOutcome<T>> {
  const started = performance.now();
  const fingerprint = fingerprintOf === undefined ? undefined : sha256(JSON.stringify({ papermap: VERSION, stage: name, inputs: fingerprintOf }));
  const previous = readManifest(out)?.stages[name];
  if (fingerprint && previous?.fingerprint === fingerprint && outputs.every((path) => existsSync(path))) {
    const seconds = (performance.now() - started) / 1000;
    recordStage(out, name, { status: 'up to date', seconds, fingerprint, parameters });
    return { status: 'up to date', seconds };
  }
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  recordStage(out, name, { status: 'ran', seconds, ...(fingerprint ? { fingerprint } : {}), parameters }, factsOf(result));
  return { status: 'ran', seconds, result };
}

const ingestFacts = (summary: IngestSummary, hashes: ReadonlyMap<string, string>): Partial<ManifestFacts> => ({
  inputs: summary.files.map((file) => ({ path: file.path, sha256: hashes.get(file.path)!, format: file.format, records: file.records })),
  counts: { inputFiles: summary.files.length, records: summary.records, papers: summary.papers, duplicatesMerged: summary.duplicatesMerged, problems: summary.problems.length },
});
const embedFacts = (summary: EmbedSummary): Partial<ManifestFacts> => ({
  model: { used: summary.model, identity: summary.modelIdentity, ...(summary.fallbackReason ? { fallbackReason: summary.fallbackReason } : {}) },
  counts: { vectors: summary.papers, dimensions: summary.dim },
});
const indexFacts = (summary: IndexSummary): Partial<ManifestFacts> => ({
  counts: { relatedLinks: summary.edges, mutualLinks: summary.mutualEdges, papersWithoutRelated: summary.papersWithoutNeighbours },
});
const clusterFacts = (clusters: Clusters): Partial<ManifestFacts> => ({
  counts: { topics: clusters.topics.length, outliers: clusters.outliers.length },
});
const noFacts = (): Partial<ManifestFacts> => ({});

export function runIngest(options: Pick<RunOptions, 'inputs' | 'out' | 'strict'>, fingerprint = false): Promise<StageOutcome<IngestSummary>> {
  const parameters = { inputs: options.inputs, strict: options.strict };
  // listing the inputs also refuses a missing one before anything is read
  const hashes = new Map(listInputFiles(options.inputs).map((file) => [file, sha256File(file)]));
  const inputs = fingerprint ? { files: [...hashes], strict: options.strict } : undefined;
  const work = () => ingest({ inputs: options.inputs, out: options.out, strict: options.strict });
  return stage(options.out, 'ingest', parameters, inputs, [artifactPath.papers(options.out)], work, (summary) => ingestFacts(summary, hashes));
}

export async function runEmbed(options: EmbedOptions, fingerprint = false): Promise<StageOutcome<EmbedSummary>> {
  const plan = await planEmbedding(options);
  const parameters = { model: options.model, batchSize: options.batchSize, offline: options.offline, modelsDir: options.modelsDir };
  const inputs = fingerprint ? { papers: plan.papersHash, model: plan.identity } : undefined;
  return stage(options.out, 'embed', parameters, inputs, [artifactPath.vectors(options.out), artifactPath.vectorsInfo(options.out)], () => embed(options, plan), embedFacts);
}

/** Hash of the vectors the later stages read; fails with the command to run when there are none. */
function vectorsHash(out: string): string {
  const info = readVectorsInfo(out);
  if (!info) throw new UserError(`${artifactPath.vectorsInfo(out)} not found: run \`papermap embed --out ${out}\` first`);
  return info.vectorsHash;
}

export function runIndex(options: IndexOptions, fingerprint = false): Promise<StageOutcome<IndexSummary>> {
  const parameters = { m: options.m, efConstruction: options.efConstruction, neighbors: options.neighbors, minSimilarity: options.minSimilarity };
  const inputs = fingerprint ? { vectors: vectorsHash(options.out), ...parameters } : undefined;
  const outputs = [indexPath.hnsw(options.out), indexPath.info(options.out), indexPath.neighbours(options.out), indexPath.related(options.out), indexPath.graphml(options.out)];
  return stage(options.out, 'index', parameters, inputs, outputs, () => buildIndex(options), indexFacts);
}

export function runCluster(options: { out: string; k: number | 'auto'; seed: number }, fingerprint = false): Promise<StageOutcome<Clusters>> {
  const parameters = { k: options.k, seed: options.seed };
  // keywords come from the papers' text, so the papers count as well as their vectors
  const inputs = fingerprint ? { vectors: vectorsHash(options.out), papers: sha256File(artifactPath.papers(options.out)), ...parameters } : undefined;
  return stage(options.out, 'cluster', parameters, inputs, [clustersPath(options.out)], () => cluster(options), clusterFacts);
}

export function runReport(options: { out: string }, fingerprint = false): Promise<StageOutcome<ReportSummary>> {
  const out = options.out;
  const sources = [artifactPath.papers(out), artifactPath.vectorsInfo(out), indexPath.info(out), indexPath.related(out), clustersPath(out)];
  const inputs = fingerprint ? sources.map((path) => (existsSync(path) ? sha256File(path) : path)) : undefined;
  const outputs = [reportPath.markdown(out), reportPath.html(out), indexPath.graphml(out)];
  return stage(out, 'report', {}, inputs, outputs, () => report({ out, version: VERSION }), noFacts);
}

export interface RunSummary {
  papers: number;
  model: string;
  fallbackReason?: string;
  topics: number;
  outliers: number;
  report: { html: string; markdown: string };
  stages: Record<StageName, { status: StageRecord['status']; seconds: number }>;
  seconds: number;
}

/**
 * `papermap run`: every stage in order, each skipped when its inputs and
 * options did not change. Options that cannot work are refused before the
 * first expensive step.
 */
export async function runPipeline(options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  if (options.k !== 'auto' && options.k < 2) throw new UserError('--k must be at least 2');
  checkModelChoice(options.model);
  const ingested = await runIngest(options, true);
  const papers = readFileSync(artifactPath.papers(options.out), 'utf8').split('\n').filter(Boolean).length;
  checkK(options.k, papers);
  const embedded = await runEmbed(options, true);
  const indexed = await runIndex(options, true);
  const clustered = await runCluster(options, true);
  const reported = await runReport(options, true);

  const manifest = readManifest(options.out)!;
  const clusters = JSON.parse(readFileSync(clustersPath(options.out), 'utf8')) as Clusters;
  const outcome = (result: StageOutcome<unknown>) => ({ status: result.status, seconds: result.seconds });
  return {
    papers,
    model: manifest.model!.used,
    ...(manifest.model?.fallbackReason ? { fallbackReason: manifest.model.fallbackReason } : {}),
    topics: clusters.topics.length,
    outliers: clusters.outliers.length,
    report: { html: reportPath.html(options.out), markdown: reportPath.markdown(options.out) },
    stages: { ingest: outcome(ingested), embed: outcome(embedded), index: outcome(indexed), cluster: outcome(clustered), report: outcome(reported) },
    seconds: (performance.now() - started) / 1000,
  };
}
