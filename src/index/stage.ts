import { defineStage } from '../runner/stage.js';
import { buildIndex } from './index.js';

export const indexStage = defineStage({
  name: 'index',
  description: 'build the HNSW index and the related-paper graph: index.hnsw, index.json, neighbours.bin, related.json',
  reads: ['papers', 'vectors', 'vectorsInfo'],
  options: ['m', 'efConstruction', 'neighbours', 'minSimilarity'],
  prepare: () => ({ plan: undefined }),
  run: (writer, options) => buildIndex(writer, options),
  facts: (summary) => ({ counts: { relatedLinks: summary.edges, mutualLinks: summary.mutualEdges, papersWithoutRelated: summary.papersWithoutNeighbours } }),
  describe: (summary, folder) =>
    `index: ${summary.papers} papers, ${summary.search === 'exact' ? 'exact search (small corpus)' : 'HNSW search'}; graph: ${summary.edges} links (${summary.mutualEdges} mutual) at similarity >= ${summary.minSimilarity}, ${summary.papersWithoutNeighbours} papers without related papers -> ${folder.where('related')}`,
});
