import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifactPath, readCurrentVectors, type Paper, type VectorsInfo } from '../shared/artifacts.js';
import { UserError } from '../shared/errors.js';
import { bytesOf, readFloat32File, writeFileAtomic } from '../shared/files.js';
import { randomPairFloor, relatedPapers, type RelatedPaper } from './graph.js';
import { toGraphml, type GraphNode } from './graphml.js';
import { buildHnsw, hnswNeighbours, loadHnsw, saveHnsw, type HnswIndex, type HnswParameters } from './hnsw.js';
import { exactNeighbours, firstNeighbours, type Neighbours } from './neighbours.js';

export type { Neighbours } from './neighbours.js';
export { emptyNeighbours, firstNeighbours, keepNearest } from './neighbours.js';
export type { RelatedPaper } from './graph.js';

/**
 * Up to this many papers, exact search is as fast as HNSW, build included
 * (bench:index: 0.11 s against 0.10 s for the graph of 500 papers, 0.44 s
 * against 0.24 s at 1,000), and its recall is perfect, so queries and the
 * graph use it; the HNSW index is still built and saved.
 */
export const EXACT_SEARCH_MAX_PAPERS = 500;

/**
 * bench:index, recall@10 against exact search with ef 128: 1.000 on the seeds,
 * 0.989 at 10,000 and 1.000 at 100,000 papers (ef 64: 0.976 at 10,000), p50
 * 0.2 to 0.5 ms a query. efConstruction 100 builds 100,000 papers in 41 s;
 * 200 took 96 s for a recall 0.0005 higher.
 */
export const DEFAULT_HNSW: HnswParameters = { m: 16, efConstruction: 100, efSearch: 128 };
export const DEFAULT_NEIGHBORS = 10;
/** Neighbours kept per paper in neighbours.bin (at least --neighbors): the map of the report draws on 10. */
const STORED_NEIGHBOURS = 10;

export interface IndexOptions {
  out: string;
  m: number;
  efConstruction: number;
  /** Neighbours per paper in the related-paper graph. */
  neighbors: number;
  /** Similarity floor of the graph; 'auto' takes the 99th percentile of random-pair similarity. */
  minSimilarity: number | 'auto';
}

/** What index.json says: enough to answer queries without re-embedding anything. */
export interface IndexInfo {
  model: string;
  modelIdentity: string;
  dim: number;
  count: number;
  space: 'cosine';
  search: 'exact' | 'hnsw';
  hnsw: HnswParameters;
  graph: { neighbors: number; minSimilarity: number; minSimilarityRule: string };
  /** How many nearest other papers of each paper neighbours.bin holds. */
  storedNeighbours: number;
  vectorsHash: string;
  /** The paper id of each index label (label = row in papers.jsonl). */
  ids: string[];
}

export interface IndexSummary {
  papers: number;
  search: IndexInfo['search'];
  hnsw: HnswParameters;
  neighbors: number;
  minSimilarity: number;
  minSimilarityRule: string;
  edges: number;
  mutualEdges: number;
  papersWithoutNeighbours: number;
  seconds: { index: number; graph: number };
}

export const indexPath = {
  hnsw: (out: string) => join(out, 'index.hnsw'),
  info: (out: string) => join(out, 'index.json'),
  neighbours: (out: string) => join(out, 'neighbours.bin'),
  related: (out: string) => join(out, 'related.json'),
  graphml: (out: string) => join(out, 'graph.graphml'),
};

/** The index stage: HNSW index + related-paper graph (related.json, graph.graphml) from the vectors. */
export function buildIndex(options: IndexOptions): IndexSummary {
  const { papers, info, vectors } = readCurrentVectors(options.out);
  const hnsw: HnswParameters = { m: options.m, efConstruction: options.efConstruction, efSearch: Math.max(DEFAULT_HNSW.efSearch, options.neighbors + 1) };
  const search = papers.length <= EXACT_SEARCH_MAX_PAPERS ? 'exact' : 'hnsw';
  const floor = options.minSimilarity === 'auto' ? randomPairFloor(vectors, info.dim) : options.minSimilarity;
  const rule = options.minSimilarity === 'auto' ? '99th percentile of the similarity of 20,000 random pairs of papers' : 'set with --min-similarity';

  let started = performance.now();
  const index = buildHnsw(vectors, info.dim, hnsw);
  saveHnsw(index, indexPath.hnsw(options.out));
  const indexInfo: IndexInfo = {
    model: info.model,
    modelIdentity: info.modelIdentity,
    dim: info.dim,
    count: papers.length,
    space: 'cosine',
    search,
    hnsw,
    graph: { neighbors: options.neighbors, minSimilarity: floor, minSimilarityRule: rule },
    storedNeighbours: Math.min(Math.max(options.neighbors, STORED_NEIGHBOURS), papers.length - 1),
    vectorsHash: info.vectorsHash,
    ids: papers.map((paper) => paper.id),
  };
  const indexSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const searcher = new PaperSearch(indexInfo, vectors, search === 'hnsw' ? index : undefined);
  const neighbours = searcher.nearest(vectors, indexInfo.storedNeighbours, (query, label) => query === label);
  writeFileAtomic(indexPath.neighbours(options.out), [bytesOf(neighbours.labels), bytesOf(neighbours.scores)]);
  const related = relatedPapers(firstNeighbours(neighbours, options.neighbors), floor);
  writeRelated(options.out, papers, related);
  writeGraphml(options.out, papers.map((paper) => ({ id: paper.id, title: paper.title })), related);
  // index.json last: it is what says the stage finished
  writeFileAtomic(indexPath.info(options.out), JSON.stringify(indexInfo) + '\n');
  const graphSeconds = (performance.now() - started) / 1000;

  const edges = related.reduce((sum, list) => sum + list.length, 0);
  const mutualEdges = related.reduce((sum, list) => sum + list.filter((neighbour) => neighbour.mutual).length, 0);
  return {
    papers: papers.length,
    search,
    hnsw,
    neighbors: options.neighbors,
    minSimilarity: floor,
    minSimilarityRule: rule,
    edges,
    mutualEdges,
    papersWithoutNeighbours: related.filter((list) => list.length === 0).length,
    seconds: { index: indexSeconds, graph: graphSeconds },
  };
}

/** index.json of `<out>`, refusing one built from other vectors than the current ones. */
export function readIndexInfo(out: string, vectors: VectorsInfo): IndexInfo {
  const path = indexPath.info(out);
  if (!existsSync(path)) throw new UserError(`${path} not found: run \`papermap index --out ${out}\` first`);
  const info = JSON.parse(readFileSync(path, 'utf8')) as IndexInfo;
  if (info.vectorsHash !== vectors.vectorsHash) throw new UserError(`${path} was built from other vectors: run \`papermap index --out ${out}\` again`);
  return info;
}

/**
 * Each paper's nearest other papers as the index stage found them
 * (neighbours.bin: the labels as int32, then the similarities as float32),
 * for the steps that need more than the related papers above the floor.
 */
export function readNeighbours(out: string, info: IndexInfo): Neighbours {
  const values = readFloat32File(indexPath.neighbours(out));
  const cells = info.count * info.storedNeighbours;
  if (values.length !== cells * 2) throw new UserError(`${indexPath.neighbours(out)} does not match ${indexPath.info(out)}: run \`papermap index --out ${out}\` again`);
  return { k: info.storedNeighbours, labels: new Int32Array(values.buffer, 0, cells), scores: values.subarray(cells) };
}

/** related.json: one paper a line, in papers.jsonl order, neighbours best first. */
function writeRelated(out: string, papers: readonly Paper[], related: readonly RelatedPaper[][]): void {
  const lines = papers.map((paper, row) =>
    JSON.stringify({
      id: paper.id,
      title: paper.title,
      neighbors: related[row].map((neighbour) => ({ id: papers[neighbour.row].id, score: roundScore(neighbour.score), mutual: neighbour.mutual })),
    }),
  );
  writeFileAtomic(indexPath.related(out), `[\n${lines.join(',\n')}\n]\n`);
}

export function roundScore(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}

/** Writes graph.graphml; the report stage calls it again once topics are known. */
export function writeGraphml(out: string, nodes: readonly GraphNode[], related: readonly RelatedPaper[][]): void {
  writeFileAtomic(indexPath.graphml(out), toGraphml(nodes, related));
}

/** The related-paper graph as stored in related.json, by paper row. */
export function readRelated(out: string, papers: readonly Paper[]): RelatedPaper[][] {
  const path = indexPath.related(out);
  if (!existsSync(path)) throw new UserError(`${path} not found: run \`papermap index --out ${out}\` first`);
  const rowOf = new Map(papers.map((paper, row) => [paper.id, row]));
  const entries = JSON.parse(readFileSync(path, 'utf8')) as { id: string; neighbors: { id: string; score: number; mutual: boolean }[] }[];
  if (entries.length !== papers.length || entries.some((entry, row) => entry.id !== papers[row].id)) {
    throw new UserError(`${path} does not match ${artifactPath.papers(out)}: run \`papermap index --out ${out}\` again`);
  }
  return entries.map((entry) => entry.neighbors.map((neighbour) => ({ row: rowOf.get(neighbour.id)!, score: neighbour.score, mutual: neighbour.mutual })));
}

/** Nearest-paper search over the indexed vectors: exact for small corpora, HNSW for large ones. */
export class PaperSearch {
  constructor(
    readonly info: IndexInfo,
    readonly vectors: Float32Array,
    private readonly index: HnswIndex | undefined,
  ) {}

  /** Opens the saved index of `<out>`, refusing one built from other vectors. */
  static open(out: string): { search: PaperSearch; papers: Paper[]; vectorsInfo: VectorsInfo } {
    const { papers, info: vectorsInfo, vectors } = readCurrentVectors(out);
    const info = readIndexInfo(out, vectorsInfo);
    const index = info.search === 'hnsw' ? loadHnsw(indexPath.hnsw(out), info.dim, info.hnsw.efSearch) : undefined;
    return { search: new PaperSearch(info, vectors, index), papers, vectorsInfo };
  }

  /** The k nearest papers of each query, leaving out what `skip` says (the query paper itself, say). */
  nearest(queries: Float32Array, k: number, skip?: (query: number, label: number) => boolean): Neighbours {
    const count = Math.min(k, this.info.count);
    if (this.index) {
      this.index.setEf(Math.max(this.info.hnsw.efSearch, count + 1));
      return hnswNeighbours(this.index, this.vectors, this.info.dim, queries, count, skip);
    }
    return exactNeighbours(this.vectors, this.info.dim, queries, count, skip);
  }
}
