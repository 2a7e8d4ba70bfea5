import { paperLink } from '../shared/links.js';
import { detailsOf, type Paper, type PaperDetails } from '../store/read.js';
import { roundScore } from '../graph/related.js';
import type { PaperSearch } from './index.js';

/** papermap's own ids (12 hex digits) and arXiv ids (2401.00001, 2401.00001v2, hep-th/9901001): never free text. */
const ID_SHAPE = /^([0-9a-f]{12}|\d{4}\.\d{4,5}(v\d+)?|[a-z-]+(\.[A-Z]{2})?\/\d{7}(v\d+)?)$/;

/** Why a query cannot be answered (an id that is not in the index), or nothing. */
export function unknownId(query: string, ids: ReadonlySet<string>): string | undefined {
  return !ids.has(query) && ID_SHAPE.test(query) ? `unknown paper id "${query}" (not in the index)` : undefined;
}

export interface SimilarAnswer {
  query: string;
  /** What the query was taken for: the id of an indexed paper, or free text. */
  kind: 'paper' | 'text';
  /** Each paper with its details and link where known. */
  results: ({ id: string; title: string; score: number; link?: string } & PaperDetails)[];
}

/**
 * Answers queries in one go: a query equal to a paper id gets that paper's
 * nearest other papers; anything else is free text, embedded with the model the
 * index was built from (all text queries in one batch) and searched.
 */
export async function answerQueries(
  queries: readonly string[],
  top: number,
  search: PaperSearch,
  papers: readonly Paper[],
  embedText: (texts: readonly string[]) => Promise<Float32Array>,
): Promise<SimilarAnswer[]> {
  const dim = search.info.dim;
  const rowOf = new Map(papers.map((paper, row) => [paper.id, row]));
  const textQueries = queries.filter((query) => !rowOf.has(query));
  const textVectors = textQueries.length > 0 ? await embedText(textQueries) : new Float32Array(0);

  // One query matrix in input order; a paper query skips the paper itself.
  const vectors = new Float32Array(queries.length * dim);
  const selfRow = new Int32Array(queries.length).fill(-1);
  let textIndex = 0;
  queries.forEach((query, position) => {
    const row = rowOf.get(query);
    if (row === undefined) {
      vectors.set(textVectors.subarray(textIndex * dim, (textIndex + 1) * dim), position * dim);
      textIndex++;
    } else {
      vectors.set(search.vectors.subarray(row * dim, (row + 1) * dim), position * dim);
      selfRow[position] = row;
    }
  });
  const neighbours = search.nearest(vectors, top, (position, label) => label === selfRow[position]);

  return queries.map((query, position) => {
    const results: SimilarAnswer['results'] = [];
    for (let slot = 0; slot < neighbours.k; slot++) {
      const label = neighbours.labels[position * neighbours.k + slot];
      if (label < 0) break;
      const paper = papers[label];
      const link = paperLink(paper);
      results.push({
        id: paper.id,
        title: paper.title,
        score: roundScore(neighbours.scores[position * neighbours.k + slot]),
        ...detailsOf(paper),
        ...(link === undefined ? {} : { link }),
      });
    }
    return { query, kind: selfRow[position] >= 0 ? 'paper' : 'text', results };
  });
}
