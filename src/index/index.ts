import { rememberHash, sha256, sha256File } from '../shared/files.js';
import { writeNeighbours } from '../store/neighbours.js';
import type { Paper, PaperTitle } from '../store/read.js';
import type { HnswParameters, IndexInfo, VectorsInfo } from '../store/schemas.js';
import type { StageWrites, Store } from '../store/store.js';
import { blocksOf, fingerprintsOver, type VectorBlocks } from '../shared/vectors.js';
import { storeVectors } from '../store/blocks.js';
import { CHUNK_CHARS } from '../graph/graphml.js';
import { buildHnsw, hnswNeighbours, loadHnsw, saveHnsw, type HnswIndex } from '../graph/hnsw.js';
import { EXACT_SEARCH_MAX_PAPERS } from '../graph/nearest.js';
import { exactNeighbours, firstNeighbours, mergeNearest, type Neighbours } from '../graph/neighbours.js';
import { autoFloorOver, fixedFloor, linkCount, relatedPapers, scorePrinter, type FloorRule, type RelatedGraph } from '../graph/related.js';
import type { IndexUpdate } from './incremental.js';
import { loadParts, partsFit } from './parts.js';
import { storedNeighbours, type GatheredIndex } from './shards.js';
import { buildAndSearch, startUpdate, type SavedIndex } from './threads.js';

/**
 * Chosen at a million papers, where building the index and searching every
 * paper take the index stage's time: the best recall@10 for the CPU among the
 * settings tried (docs/benchmarks.md, "Where the constants come from").
 */
export const DEFAULT_HNSW: HnswParameters = { m: 32, efConstruction: 64, efSearch: 128 };
export const DEFAULT_NEIGHBOURS = 10;

export interface IndexOptions {
  m: number;
  efConstruction: number;
  /** Neighbours per paper in the related-paper graph. */
  neighbours: number;
  /** Similarity floor of the graph; 'auto' takes AUTO_FLOOR's quantiles of random-pair similarity. */
  minSimilarity: number | 'auto';
}

export interface IndexSummary {
  papers: number;
  search: IndexInfo['search'];
  update: IndexInfo['update'];
  hnsw: HnswParameters;
  neighbours: number;
  minSimilarity: number;
  /** The floor a paper's nearest must reach when no neighbour reaches minSimilarity. */
  nearestMinSimilarity: number;
  minSimilarityRule: string;
  edges: number;
  mutualEdges: number;
  papersWithoutNeighbours: number;
}

/** Past this share of deleted points an update rebuilds the index instead: deleted points still cost search time. */
const MAX_DELETED_SHARE = 0.2;

/**
 * The committed index of the folder, when the index stage can bring it up to
 * date instead of building anew: the same model and HNSW parameters, its
 * files intact (index.hnsw is checked against its hash by the worker that
 * loads it). Anything else (none yet, damaged, other parameters, a corpus
 * searched exactly) means a full build.
 */
function previousIndex(folder: Store, hnsw: HnswParameters): SavedIndex | undefined {
  let vectors: VectorsInfo;
  let info: IndexInfo;
  let neighbours: Neighbours;
  try {
    vectors = folder.readJson('vectorsInfo');
    info = folder.readJson('indexInfo');
    neighbours = folder.readNeighbours(info);
  } catch {
    return undefined;
  }
  // an index in parts (index tasks') is built anew: an update adds to one index
  const same =
    info.search === 'hnsw' &&
    info.parts === undefined &&
    info.modelIdentity === vectors.modelIdentity &&
    info.dim === vectors.dim &&
    info.hnsw.m === hnsw.m &&
    info.hnsw.efConstruction === hnsw.efConstruction;
  if (!same || vectors.count <= EXACT_SEARCH_MAX_PAPERS || !folder.has('hnsw')) return undefined;
  return {
    path: folder.localFile('hnsw'),
    hnswHash: info.hnswHash,
    dim: info.dim,
    labels: info.labels,
    fingerprints: info.fingerprints,
    rows: info.ids,
    neighbours,
  };
}

/** The HNSW parameters of these options: a search wide enough for the neighbours asked for. */
export function hnswOf(options: IndexOptions): HnswParameters {
  return { m: options.m, efConstruction: options.efConstruction, efSearch: Math.max(DEFAULT_HNSW.efSearch, options.neighbours + 1) };
}

/** The papers' ids and titles and what their vectors are, with every vector unless none is needed. */
type IndexRead = { papers: PaperTitle[]; info: VectorsInfo; vectors?: Float32Array; source: VectorBlocks };

/**
 * What the index stage reads: every vector (in shared memory, for the
 * worker threads), except where the index shards' neighbours are gathered on
 * a corpus they searched through the shared index: then the similarity
 * floor's sample is read alone and the fingerprints a block at a time (a
 * million papers' vectors are 1.5 GB).
 */
function readForIndex(folder: Store, gathered: boolean): IndexRead {
  if (gathered && folder.paperCount() > EXACT_SEARCH_MAX_PAPERS) {
    const { papers, hash } = folder.readPaperTitles();
    const info = folder.readCurrentVectorsInfo({ hash, count: papers.length });
    return { papers, info, source: storeVectors(folder, info, 'index') };
  }
  const read = folder.readTitlesAndSharedVectors();
  return { ...read, source: blocksOf(read.vectors, read.info.dim) };
}

/** Every vector, which readForIndex read wherever the stage searches or builds from them. */
function everyVector(read: IndexRead): Float32Array {
  if (!read.vectors) throw new Error('the index stage needs every vector here, and they were not read');
  return read.vectors;
}

/**
 * The index stage: the HNSW index, each paper's nearest other papers
 * (neighbours.bin) and the related-paper graph (related.json). An index from
 * an earlier run of the same model and parameters is brought up to date
 * (incremental.ts) rather than built again. `gathered`: the neighbours index
 * tasks found (shards.ts), with the index they searched (in parts past
 * INDEX_PART_PAPERS) already at writer.localFile('hnsw') where the corpus is
 * searched through one.
 */
export async function buildIndex(writer: StageWrites, options: IndexOptions, gathered?: GatheredIndex): Promise<IndexSummary> {
  const folder = writer.store;
  const hnsw = hnswOf(options);
  const hnswPath = writer.localFile('hnsw');
  // an earlier index is checked and loaded in a worker while the papers and vectors are read
  const previous = gathered ? undefined : previousIndex(folder, hnsw);
  const pending = previous && startUpdate(previous, hnsw.efSearch, hnswPath);
  let read: IndexRead;
  try {
    read = readForIndex(folder, gathered !== undefined);
  } catch (error) {
    await pending?.cancel();
    throw error;
  }
  const { papers, info } = read;
  const vectors = () => everyVector(read);
  const search = papers.length <= EXACT_SEARCH_MAX_PAPERS ? 'exact' : 'hnsw';
  const floor: FloorRule = options.minSimilarity === 'auto' ? autoFloorOver(read.source) : fixedFloor(options.minSimilarity);
  const rule =
    options.minSimilarity === 'auto'
      ? `the 99th percentile of the similarity of 20,000 random pairs of papers; a paper with no neighbour that high keeps its nearest if at least the 90th percentile (${floor.lower})`
      : 'set with --min-similarity';
  const stored = storedNeighbours(options.neighbours, papers.length);
  const ids = papers.map((paper) => paper.id);

  // an update that leaves too many deleted points is not kept: the index is built anew
  const kept = (update: IndexUpdate) => update.labels.filter((label) => label === null).length <= MAX_DELETED_SHARE * update.labels.length;
  const writeGraph = (neighbours: Neighbours): RelatedGraph => {
    writeNeighbours(writer, neighbours);
    const graph = relatedPapers(firstNeighbours(neighbours, options.neighbours), floor);
    writer.write('related', relatedJson(papers, graph));
    return graph;
  };
  // the graph of an update is written while the worker saves the index (the updated index is saved whether kept or not: a rebuild saves over it)
  const updated =
    pending && (await pending.update({ ids, vectors: vectors(), k: stored }, (update) => (kept(update) ? writeGraph(update.neighbours) : undefined)));
  const update = updated?.meanwhile && updated.update;
  // the worker hashed the index it saved: neither index.json nor the commit hashes 1.8 GB again
  if (update) rememberHash(hnswPath, updated.hnswHash);
  let related = updated?.meanwhile;
  if (!related) {
    if (gathered) {
      if (search === 'exact') saveHnsw(buildHnsw(vectors(), info.dim, hnsw), hnswPath);
      related = writeGraph(gathered.neighbours);
    } else if (search === 'exact') {
      saveHnsw(buildHnsw(vectors(), info.dim, hnsw), hnswPath);
      related = writeGraph(exactNeighbours(vectors(), info.dim, vectors(), stored, (query, row) => query === row));
    } else {
      related = writeGraph(await buildAndSearch(vectors(), info.dim, hnsw, hnswPath, stored));
    }
  }
  const indexInfo: IndexInfo = {
    model: info.model,
    modelIdentity: info.modelIdentity,
    dim: info.dim,
    count: papers.length,
    space: 'cosine',
    search,
    hnsw,
    graph: {
      neighbours: options.neighbours,
      minSimilarity: floor.global,
      ...(floor.lower === floor.global && floor.band === 0 ? {} : { nearestMinSimilarity: floor.lower, band: floor.band }),
      minSimilarityRule: rule,
    },
    storedNeighbours: stored,
    vectorsHash: info.vectorsHash,
    hnswHash: sha256File(hnswPath),
    ...(gathered?.parts ? { parts: gathered.parts } : {}),
    ids,
    labels: update ? update.labels : ids,
    fingerprints: update ? update.fingerprints : fingerprintsOver(read.source),
    update: update
      ? { kind: 'updated', added: update.added, removed: update.removed, searchedAgain: update.searchedAgain }
      : { kind: 'built', added: papers.length, removed: 0, searchedAgain: 0 },
  };
  writer.write('indexInfo', JSON.stringify(indexInfo) + '\n');

  const edges = linkCount(related);
  const mutualEdges = related.mutual.reduce((sum, mutual) => sum + mutual, 0);
  return {
    papers: papers.length,
    search,
    update: indexInfo.update,
    hnsw,
    neighbours: options.neighbours,
    minSimilarity: floor.global,
    nearestMinSimilarity: floor.lower,
    minSimilarityRule: rule,
    edges,
    mutualEdges,
    papersWithoutNeighbours: related.links.reduce((sum, links) => sum + (links === 0 ? 1 : 0), 0),
  };
}

/**
 * related.json: one paper a line, in papers.jsonl order, neighbours best
 * first; what JSON.stringify makes of `{ id, title, neighbours: [{ id, score,
 * mutual }] }`, written out here from the flat graph (ten million objects
 * less at a million papers), in pieces of whole lines as it is written, since
 * the whole file can be more than one string can hold.
 */
function* relatedJson(papers: readonly PaperTitle[], related: RelatedGraph): Generator<string> {
  const ids = papers.map((paper) => JSON.stringify(paper.id));
  const { k, labels, scores } = related.neighbours;
  let chunk = '';
  for (let row = 0; row < papers.length; row++) {
    chunk += `${row === 0 ? '[\n' : ',\n'}{"id":${ids[row]},"title":${JSON.stringify(papers[row].title)},"neighbours":[`;
    for (let slot = row * k; slot < row * k + related.links[row]; slot++) {
      chunk += `${slot === row * k ? '' : ','}{"id":${ids[labels[slot]]},"score":${scoreText(scores[slot])},"mutual":${related.mutual[slot] === 1}}`;
    }
    chunk += ']}';
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk + (papers.length === 0 ? '[\n]\n' : '\n]\n');
}

/** A similarity as JSON prints roundScore(score). */
const scoreText = scorePrinter(String);

/** Nearest-paper search over the indexed vectors: exact for small corpora, HNSW (one index, or its parts one after another) for large ones. */
export class PaperSearch {
  /** The paper row of each HNSW label (-1: removed), when an update made them differ. */
  private readonly rowOfLabel: Int32Array | undefined;

  constructor(
    readonly info: IndexInfo,
    readonly vectors: Float32Array,
    private readonly indexes: readonly HnswIndex[],
  ) {
    if (info.labels.length !== info.ids.length || info.labels.some((id, label) => id !== info.ids[label])) {
      const rowOf = new Map(info.ids.map((id, row) => [id, row]));
      this.rowOfLabel = Int32Array.from(info.labels, (id) => (id === null ? -1 : (rowOf.get(id) ?? -1)));
    }
  }

  /** Opens the saved index of an output folder, refusing one built from other vectors or damaged. */
  static open(folder: Store): { search: PaperSearch; papers: Paper[]; vectorsInfo: VectorsInfo } {
    const { papers, info: vectorsInfo, vectors } = folder.readCurrentVectors((store) => store.readPapers());
    const info = folder.readIndexInfo(vectorsInfo);
    // hnswlib trusts the file it reads and can crash on a damaged one: its bytes are checked first (against
    // manifest.json by readBytes, and against index.json), whether or not this corpus searches through it
    const bytes = folder.readBytes('hnsw');
    if (sha256(bytes) !== info.hnswHash) throw folder.damaged('hnsw', `not the index ${folder.where('indexInfo')} describes (damaged?)`);
    if (info.parts && !partsFit(info.parts, info.count, bytes.length))
      throw folder.damaged('indexInfo', `its index parts do not fill ${folder.where('hnsw')} with the ${info.count} papers`);
    let indexes: HnswIndex[] = [];
    if (info.search === 'hnsw') {
      try {
        const path = folder.localFile('hnsw');
        indexes = info.parts ? loadParts(path, info.parts, info.dim, info.hnsw.efSearch) : [loadHnsw(path, info.dim, info.hnsw.efSearch)];
      } catch (error) {
        throw folder.damaged('hnsw', `hnswlib cannot read it (${(error as Error).message})`);
      }
    }
    return { search: new PaperSearch(info, vectors, indexes), papers, vectorsInfo };
  }

  /** The k nearest papers of each query, leaving out what `skip` says (the query paper itself, say). */
  nearest(queries: Float32Array, k: number, skip?: (query: number, label: number) => boolean): Neighbours {
    const count = Math.min(k, this.info.count);
    if (this.indexes.length === 0) return exactNeighbours(this.vectors, this.info.dim, queries, count, skip);
    const ef = Math.max(this.info.hnsw.efSearch, count + 1);
    const [first, ...others] = this.indexes.map((index) => {
      index.setEf(ef);
      return hnswNeighbours(index, this.vectors, this.info.dim, queries, count, skip, this.rowOfLabel);
    });
    // each part labels its papers by their rows: their nearest merge as one search of all would rank them
    for (const found of others) mergeNearest(first, 0, found);
    return first;
  }
}
