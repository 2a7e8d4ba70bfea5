import { graphmlTexts, writeGraphml, type GraphmlWriter } from '../graph/graphml.js';
import { firstNeighbours } from '../graph/neighbours.js';
import { floorRuleOf } from '../graph/related.js';
import { sampleRows } from '../shared/random.js';
import { UserError } from '../shared/errors.js';
import { gatherRows, vectorFingerprint } from '../shared/vectors.js';
import type { Neighbours } from '../store/neighbours.js';
import type { PaperTitle, ShownPaper } from '../store/read.js';
import type { MapFile } from '../store/schemas.js';
import type { StageWrites, Store } from '../store/store.js';
import type { Clusters } from '../store/schemas.js';
import { checkTeamNames, readTeamNames } from '../store/names.js';
import { changesSince, type PreviousPapers } from './changes.js';
import { libraryReport, type LibraryFile } from './library.js';
import { toHtml } from './html.js';
import { DETAILS_PAPERS, detailRows } from './page.js';
import { listedIds, toMarkdown } from './markdown.js';
import { rowsById, type ReportData } from './model.js';
import { MAP_NEIGHBOURS, mapInWorker, placeAround, type Places } from './projection.js';

export interface ReportOptions {
  /** papermap's version, printed in the reports. */
  version: string;
  /** The library given with --library, for a "For your library" section. */
  library?: LibraryFile;
}

export interface ReportSummary {
  papers: number;
  topics: number;
  files: string[];
}

/** Up to this many papers, UMAP lays out every paper; above, a seeded sample of this many. */
const MAP_SAMPLE = 20_000;

/** The papers a new layout gives to UMAP: every paper up to MAP_SAMPLE, above a seeded sample of this many. */
function layoutRows(count: number, seed: number): Int32Array {
  return count <= MAP_SAMPLE ? Int32Array.from({ length: count }, (_, row) => row) : sampleRows(count, MAP_SAMPLE, seed);
}

/**
 * A new layout of `rows` (layoutRows): UMAP of every paper, or above
 * MAP_SAMPLE papers of the sample, over each sampled paper's nearest others
 * within the sample (`sampleVectors`: theirs, in the order of `rows`).
 */
async function layOut(count: number, rows: Int32Array, sampleVectors: () => Float32Array, dim: number, neighbours: Neighbours, seed: number): Promise<Places> {
  if (count <= MAP_SAMPLE) return { rows, xy: await mapInWorker({ count, seed, neighbours }) };
  return { rows, xy: await mapInWorker({ count: rows.length, seed, vectors: sampleVectors(), dim, k: neighbours.k }) };
}

/**
 * The last layout, for a run whose topics were not fitted anew (so the map,
 * like the topics, goes on from the last fit). Nothing when map.json is
 * missing, damaged or of another seed: the map is then laid out anew.
 */
function lastLayout(folder: Store, seed: number): MapFile | undefined {
  if (!folder.has('map')) return undefined;
  let last: MapFile;
  try {
    last = folder.readJson('map');
  } catch (error) {
    if (error instanceof UserError) return undefined;
    throw error;
  }
  return last.seed === seed ? last : undefined;
}

/** The places of the last layout that papers still here with the same vector keep; nothing when none keeps its place. */
function keptPlaces(last: MapFile, rowOf: Map<string, number>, fingerprintOf: (row: number) => string): { places: Places; laidOut: number } | undefined {
  const rows: number[] = [];
  const xy: number[] = [];
  for (const paper of last.laidOut) {
    const row = rowOf.get(paper.id);
    if (row === undefined || fingerprintOf(row) !== paper.vector) continue;
    rows.push(row);
    xy.push(paper.x, paper.y);
  }
  return rows.length === 0 ? undefined : { places: { rows: Int32Array.from(rows), xy: Float64Array.from(xy) }, laidOut: last.laidOut.length };
}

/**
 * The vectors of the papers at some rows, read without the others' (the
 * vectors of a million papers are 1.5 GB; the map needs a sample's): each
 * one's fingerprint, and theirs gathered in a given order.
 */
function vectorsAt(folder: Store, rows: Iterable<number>): { fingerprintOf: (row: number) => string; gather: (rows: Int32Array) => Float32Array } {
  const wanted = Int32Array.from(new Set(rows));
  const { info, vectors } = folder.readVectorRows(wanted);
  const place = new Map<number, number>();
  wanted.forEach((row, index) => place.set(row, index));
  return {
    fingerprintOf: (row) => vectorFingerprint(vectors, place.get(row)!, info.dim),
    gather: (order) =>
      gatherRows(
        vectors,
        info.dim,
        Array.from(order, (row) => place.get(row)!),
      ),
  };
}

/**
 * The papers (ids and titles: the page's abstracts are read when it is made)
 * and the hash of papers.jsonl, and the previous run's papers to tell what
 * changed. When the previous papers.jsonl is the start of the current one
 * byte for byte (a night that only added papers), its papers are the first
 * of today's, none changed; otherwise each paper's title and abstract are
 * compared by digest.
 */
function papersAndPrevious(folder: Store): { papers: readonly PaperTitle[]; hash: string; previousPapers: PreviousPapers | undefined } {
  const lead = folder.previousPapersLead();
  if (lead !== undefined || !folder.hasPrevious('papers')) {
    const { papers, hash } = folder.readPaperTitles();
    return { papers, hash, previousPapers: lead === undefined ? undefined : { papers: papers.slice(0, lead), changed: () => false } };
  }
  const { papers, hash } = folder.readPaperDigests();
  const before = folder.readPrevious('papers', () => folder.readPaperDigests('previous').papers);
  const digestBefore = new Map(before?.map((paper) => [paper.id, paper.digest]));
  return { papers, hash, previousPapers: before && { papers: before, changed: (row) => digestBefore.get(papers[row].id) !== papers[row].digest } };
}

/**
 * The clusters with the names topics.yaml gives now, so that renaming a topic
 * needs only `papermap report`; merges and pins are the cluster stage's.
 */
function withTeamNames(clusters: Clusters, out: string): Clusters {
  const names = readTeamNames(out);
  if (!names) return clusters;
  const merged = new Set(clusters.team?.merged.map((merge) => merge.from) ?? []);
  checkTeamNames(
    names,
    new Set([...clusters.topics.map((topic) => topic.id), ...merged, ...(clusters.team?.pinned ?? [])]),
    new Set(clusters.broadTopics.map((broad) => broad.id)),
  );
  return {
    ...clusters,
    topics: clusters.topics.map((topic) => ({ ...topic, name: names.topics.get(topic.id)?.name })),
    broadTopics: clusters.broadTopics.map((broad) => ({ ...broad, name: names.broad.get(broad.id)?.name })),
  };
}

/** Each paper's date (or an arXiv snapshot's update_date) and first category, to colour the map by. */
function fieldsToColourBy(folder: Store): ReportData['fields'] {
  const found = folder.readPaperFields(['date', 'update_date', 'categories']);
  return { date: found.date.map((date, row) => date ?? found.update_date[row]), category: found.categories.map((category) => category?.split(/\s+/)[0]) };
}

/**
 * The abstracts and details of the papers the reports show, read in one pass
 * over papers.jsonl on the first call, for the rows both reports list
 * (`prefetch`) with those asked for; others asked for later are read then.
 */
function shownPapers(folder: Store, prefetch: () => Iterable<number>): ReportData['shownOf'] {
  const known = new Map<number, ShownPaper>();
  let first = true;
  return (wanted) => {
    const missing = [...new Set([...(first ? prefetch() : []), ...Array.from(wanted)])].filter((row) => !known.has(row));
    first = false;
    if (missing.length > 0) folder.readShownPapers(missing).forEach((paper, index) => known.set(missing[index], paper));
    return Array.from(wanted, (row) => known.get(row)!);
  };
}

/** The report stage: report.md, report.html, graph.graphml with each paper's topic, changes.json, and map.json (the map's layout, kept until the topics are fitted anew). */
export async function report(writer: StageWrites, options: ReportOptions): Promise<ReportSummary> {
  const folder = writer.store;
  const { papers, hash, previousPapers } = papersAndPrevious(folder);
  const vectorsInfo = folder.readCurrentVectorsInfo({ hash, count: papers.length });
  const index = folder.readIndexInfo(vectorsInfo);
  const stored = folder.readNeighbours(index);
  // the related papers as the index stage made related.json of them, from neighbours.bin and the graph's floor (not by parsing a
  // file of a million lines), and graph.graphml (1.35 GB at a million papers), are made in a worker while the rest of the report is
  let graphml!: GraphmlWriter;
  const graph = writer.writeWith('graph', (path) => {
    graphml = writeGraphml({ path, nearest: stored, neighbours: index.graph.neighbours, floor: floorRuleOf(index.graph) });
    return graphml.written;
  });
  let topics: number;
  try {
    const clusters = withTeamNames(folder.readClusters(vectorsInfo), folder.location);
    topics = clusters.topics.length;
    const rowOf = rowsById(papers);
    const topicOf = new Int32Array(papers.length).fill(-1);
    for (const topic of clusters.topics) for (const id of topic.paperIds) topicOf[rowOf.get(id)!] = topic.id;
    graphml.write({ papers: graphmlTexts(papers), topicOf, topicLabels: new Map(clusters.topics.map((topic) => [topic.id, topic.name ?? topic.label])) });
    // the vectors are read once the graph is under way: the map needs some of them (those of the papers it may lay out, and of
    // those the last layout placed, to tell which keep their places), the graph none
    const last = clusters.history.run === 'assigned' ? lastLayout(folder, clusters.seed) : undefined;
    const sample = layoutRows(papers.length, clusters.seed);
    const mapVectors = vectorsAt(folder, [...sample, ...(last?.laidOut.flatMap((paper) => rowOf.get(paper.id) ?? []) ?? [])]);
    const changes = changesSince(
      previousPapers && { papers: previousPapers, clusters: folder.readPrevious('clusters', () => folder.readJson('clusters', 'previous')) },
      papers,
      clusters,
      topicOf,
      stored,
    );

    // the map's neighbourhoods: each paper's nearest others, as the index stage found them for the graph
    const neighbours = firstNeighbours(stored, Math.max(1, Math.min(MAP_NEIGHBOURS - 1, papers.length - 2)));
    // only the laid-out papers' vectors are fingerprinted: a million fingerprints would be strings nothing reads
    const { fingerprintOf } = mapVectors;
    const kept = last && keptPlaces(last, rowOf, fingerprintOf);
    const laidOut = kept?.places ?? (await layOut(papers.length, sample, () => mapVectors.gather(sample), vectorsInfo.dim, neighbours, clusters.seed));
    const map = placeAround(laidOut, neighbours, papers.length);
    const related = await graphml.related;
    const library = options.library && (await libraryReport(folder, options.library, folder.readVectors().vectors, vectorsInfo, clusters, changes));
    const data: ReportData = {
      version: options.version,
      papers,
      shownOf: shownPapers(folder, () => [...detailRows(data, DETAILS_PAPERS), ...listedIds({ clusters }).map((id) => rowOf.get(id)!)]),
      fields: fieldsToColourBy(folder),
      vectors: vectorsInfo,
      index,
      clusters,
      related,
      topicOf,
      map,
      nearest: stored,
      changes,
      ...(library ? { library } : {}),
      projection:
        `Map: UMAP (umap-js, seed ${clusters.seed}) of each paper's ${MAP_NEIGHBOURS - 1} nearest neighbours by cosine similarity` +
        (kept
          ? `, laid out when the topics were last fitted: the ${kept.places.rows.length} of its ${kept.laidOut} papers still here unchanged keep their places`
          : papers.length > MAP_SAMPLE
            ? ` for a seeded sample of ${MAP_SAMPLE} papers`
            : '') +
        (laidOut.rows.length < papers.length ? '; every other paper sits at the similarity-weighted mean of its nearest placed papers' : '') +
        '; distances on the map are only roughly meaningful, neighbourhoods are.',
    };
    writer.write('changes', JSON.stringify(changes, null, 2) + '\n');
    const laidOutPapers = Array.from(laidOut.rows, (row, index) => ({
      id: papers[row].id,
      vector: fingerprintOf(row),
      x: laidOut.xy[index * 2],
      y: laidOut.xy[index * 2 + 1],
    }));
    writer.write('map', JSON.stringify({ seed: clusters.seed, laidOut: laidOutPapers } satisfies MapFile) + '\n');
    writer.write('markdown', toMarkdown(data));
    writer.write('html', toHtml(data));
  } catch (error) {
    // the worker writes in the staging folder, which a failed stage clears: it finishes first (or ends, if not handed the papers yet)
    graphml.write(null);
    await graph.catch(() => undefined);
    throw error;
  }
  await graph;
  return {
    papers: papers.length,
    topics,
    files: [folder.where('markdown'), folder.where('html'), folder.where('graph'), folder.where('changes'), folder.where('map')],
  };
}
