/**
 * A worker thread of the report stage (projection.ts mapInWorker): lays the
 * map's papers out with UMAP and posts their places. UMAP of 20,000 papers
 * makes hundreds of megabytes of short-lived objects; in a worker they go
 * with its heap when it ends, instead of swelling the report's heap beside
 * every paper's data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { nearestAmong } from '../graph/nearest.js';
import { mapPapers, type LayoutJob } from './projection.js';

const job = workerData as LayoutJob;
const xy = mapPapers('neighbours' in job ? job.neighbours : nearestAmong(job.vectors, job.dim, job.k), job.count, job.seed);
parentPort!.postMessage(xy);
