/**
 * A worker thread of the report stage (graphml.ts writeGraphml): makes the
 * related-paper graph and posts it, then, handed the papers and their
 * topics, writes graph.graphml at the path it is given and posts the file's
 * SHA-256.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { writeHashed } from '../shared/files.js';
import { relatedPapers } from './related.js';
import { toGraphml, type GraphmlJob, type GraphmlMessage, type GraphmlPapers } from './graphml.js';
import { firstNeighbours } from './neighbours.js';

const { path, nearest, neighbours, floor } = workerData as GraphmlJob;
const related = relatedPapers(firstNeighbours(nearest, neighbours), floor);
parentPort!.postMessage({ related } satisfies GraphmlMessage);
parentPort!.once('message', (papers: GraphmlPapers) => {
  if (papers)
    parentPort!.postMessage({ hash: writeHashed(path, toGraphml(papers.papers, papers.topicOf, papers.topicLabels, related)) } satisfies GraphmlMessage);
});
