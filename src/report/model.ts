import type { RelatedPaper } from '../index/index.js';
import type { Paper } from '../store/read.js';
import type { Clusters, IndexInfo, VectorsInfo } from '../store/schemas.js';

/** Everything a report shows, gathered once and rendered as Markdown and HTML. */
export interface ReportData {
  version: string;
  papers: readonly Paper[];
  vectors: VectorsInfo;
  index: IndexInfo;
  clusters: Clusters;
  related: readonly RelatedPaper[][];
  /** Topic number of each paper row; -1 for an outlier. */
  topicOf: Int32Array;
  /** count x 2 map coordinates in [0, 1]. */
  map: Float64Array;
  /** How the map was made, for the reader. */
  projection: string;
}

/** Row of each paper id. */
export function rowsById(papers: readonly Paper[]): Map<string, number> {
  return new Map(papers.map((paper, row) => [paper.id, row]));
}
