/**
 * A worker thread of the report stage (graphml.ts writeGraphml): writes
 * graph.graphml at the path it is given and posts the file's SHA-256.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { writeHashed } from '../shared/files.js';
import { toGraphml, type GraphmlJob } from './graphml.js';

const { path, papers, topicOf, topicLabels, related } = workerData as GraphmlJob;
parentPort!.postMessage(writeHashed(path, toGraphml(papers, topicOf, topicLabels, related)));
