import type { Neighbours } from '../graph/neighbours.js';
import { floorOf, relatedOf, type RelatedGraph } from '../graph/related.js';
import type { PaperTitle, ShownPaper } from '../store/read.js';
import type { Clusters, IndexInfo, VectorsInfo } from '../store/schemas.js';
import type { Changes } from './changes.js';
import type { LibraryReport } from './library.js';

/** Everything a report shows, gathered once and rendered as Markdown and HTML. */
export interface ReportData {
  version: string;
  papers: readonly PaperTitle[];
  /**
   * The abstracts and details (date, authors, link...) of the papers at these
   * rows (those the reports list), read when a report is made: a million
   * abstracts would be over a gigabyte of strings.
   */
  shownOf: (rows: ArrayLike<number>) => ShownPaper[];
  /** Every paper's date and first category where papers.jsonl gives them, to colour the map by. */
  fields?: { date: (string | undefined)[]; category: (string | undefined)[] };
  vectors: VectorsInfo;
  index: IndexInfo;
  clusters: Clusters;
  related: RelatedGraph;
  /** Topic id of each paper row; -1 for an outlier. */
  topicOf: Int32Array;
  /** count x 2 map coordinates in [0, 1]. */
  map: Float64Array;
  /** How the map was made, for the reader. */
  projection: string;
  /**
   * Each paper's nearest other papers whatever their similarity (neighbours.bin):
   * those below the graph's floor are shown as weak, so no paper is left without
   * any. Without it, the reports show the related papers only.
   */
  nearest?: Neighbours;
  /** What changed since the previous run (changes.json), told at the top of both reports. */
  changes: Changes;
  /** The papers added in this run ranked for the library given with --library, after what changed. */
  library?: LibraryReport;
}

/** A count with thousands separators (1,000,000), the same on every machine. */
export const thousands = (value: number) => value.toLocaleString('en-US');

/** Row of each paper id. */
export function rowsById(papers: readonly PaperTitle[]): Map<string, number> {
  return new Map(papers.map((paper, row) => [paper.id, row]));
}

/** A paper's nearest other papers below the similarity floor of the related papers: "weak" neighbours, best first. */
export function weakNeighbours(data: ReportData, row: number): { row: number; score: number }[] {
  const nearest = data.nearest;
  if (!nearest) return [];
  const related = new Set(relatedOf(data.related, row).map((neighbour) => neighbour.row));
  const floor = floorOf(data.related, row);
  const weak: { row: number; score: number }[] = [];
  for (let slot = 0; slot < nearest.k; slot++) {
    const label = nearest.labels[row * nearest.k + slot];
    const score = nearest.scores[row * nearest.k + slot];
    // a paper above the floor that the graph left out (it keeps --neighbours) is not weak: it is simply not shown
    if (label < 0 || label === row || related.has(label) || score >= floor) continue;
    weak.push({ row: label, score });
  }
  return weak;
}
