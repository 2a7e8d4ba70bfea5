import { InvalidArgumentError } from 'commander';
import { option, wholeNumber } from '../pipeline/options.js';
import { defineStage } from '../pipeline/stage.js';
import { buildIndex, DEFAULT_HNSW, DEFAULT_NEIGHBOURS } from './index.js';

function similarityFloor(value: string): number | 'auto' {
  const number = Number(value);
  if (value === 'auto') return 'auto';
  if (value.trim() === '' || !Number.isFinite(number) || number < -1 || number > 1) throw new InvalidArgumentError('expected "auto" or a number from -1 to 1');
  return number;
}

export const indexStage = defineStage({
  name: 'index',
  description: 'build the HNSW index and the related-paper graph: index.hnsw, index.json, neighbours.bin, related.json',
  reads: ['papers', 'vectors', 'vectorsInfo'],
  options: {
    m: option<number>({ flags: '--m <n>', description: 'HNSW links per node', default: DEFAULT_HNSW.m, parse: wholeNumber(2) }),
    efConstruction: option<number>({
      flags: '--ef-construction <n>',
      description: 'HNSW candidates while building',
      default: DEFAULT_HNSW.efConstruction,
      parse: wholeNumber(1),
    }),
    neighbours: option<number>({
      flags: '--neighbours <k>',
      description: 'related papers kept per paper',
      default: DEFAULT_NEIGHBOURS,
      parse: wholeNumber(1),
      formerFlag: '--neighbors',
    }),
    minSimilarity: option<number | 'auto'>({
      flags: '--min-similarity <x>',
      description: "similarity floor of related papers; auto = the 99th percentile of random pairs, and a paper's nearest if over the 90th",
      default: 'auto',
      parse: similarityFloor,
    }),
  },
  prepare: () => ({ plan: undefined }),
  run: (writer, options) => buildIndex(writer, options),
  facts: (summary) => ({ counts: { relatedLinks: summary.edges, mutualLinks: summary.mutualEdges, papersWithoutRelated: summary.papersWithoutNeighbours } }),
  describe: (summary, folder) =>
    `index: ${summary.papers} papers, ${summary.search === 'exact' ? 'exact search (small corpus)' : 'HNSW search'}; graph: ${summary.edges} links (${summary.mutualEdges} mutual) at similarity >= ${summary.minSimilarity}${summary.nearestMinSimilarity < summary.minSimilarity ? ` (a paper's nearest >= ${summary.nearestMinSimilarity})` : ''}, ${summary.papersWithoutNeighbours} papers without related papers -> ${folder.where('related')}`,
});
