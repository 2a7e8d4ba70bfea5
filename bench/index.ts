/**
 * `npm run bench:index [-- --sizes 10000,100000] [--queries N]`
 *
 * HNSW build time, query latency (p50/p99) and recall@10 against exact search
 * at 10k and 100k vectors of 384 dimensions; the exact-versus-HNSW crossover
 * that sets EXACT_SEARCH_MAX_PAPERS; recall on the seed corpus; and the time
 * of the whole graph step against the time it takes to embed as many papers.
 *
 * The vectors come from bench/synthetic.ts (real builtin embeddings of the
 * OHSUMED abstracts, moved towards their neighbours, plus noise calibrated to
 * the real nearest-neighbour similarity). Exact answers come from hnswlib's
 * brute force.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import hnswlib from 'hnswlib-node';
import { embedWithBuiltin, fitBuiltin } from '../src/embed/builtin.js';
import { paperText } from '../src/embed/index.js';
import { EXACT_SEARCH_MAX_PAPERS } from '../src/graph/nearest.js';
import { DEFAULT_HNSW } from '../src/index/index.js';
import { indexStage } from '../src/index/stage.js';
import { runOneStage } from '../src/runner/index.js';
import { defaultOptions } from '../src/runner/stages.js';
import { OutputFolder } from '../src/store/folder.js';
import { buildHnsw, hnswNeighbours } from '../src/graph/hnsw.js';
import { exactNeighbours, recallAtK, type Neighbours } from '../src/graph/neighbours.js';
import { listInputFiles, readInputs } from '../src/ingest/index.js';
import { embeddingRate, realCorpus, ROOT, syntheticOutput, syntheticVectors } from './synthetic.js';

const K = 10;
const EF_VALUES = [16, 32, 64, 128, 256];

const { values: args } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000' }, queries: { type: 'string', default: '1000' } } });
const sizes = args.sizes.split(',').map(Number);
const queryCount = Number(args.queries);

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Exact k nearest through hnswlib's C++ brute force, as ground truth. */
function bruteForce(vectors: Float32Array, dim: number, queries: Float32Array, k: number): Neighbours {
  const count = vectors.length / dim;
  const index = new hnswlib.BruteforceSearch('cosine', dim);
  index.initIndex(count);
  for (let row = 0; row < count; row++) index.addPoint(Array.from(vectors.subarray(row * dim, (row + 1) * dim)), row);
  const labels = new Int32Array((queries.length / dim) * k);
  for (let q = 0; q < queries.length / dim; q++) {
    const found = index.searchKnn(Array.from(queries.subarray(q * dim, (q + 1) * dim)), k);
    // brute force returns its heap in no particular order; sort by distance
    const order = found.neighbors.map((label, i) => [found.distances[i], label]).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    order.forEach(([, label], slot) => (labels[q * k + slot] = label));
  }
  return { k, labels, scores: new Float32Array(labels.length) };
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const report: Record<string, unknown> = { threads: availableParallelism(), hnsw: DEFAULT_HNSW };

log('embedding the OHSUMED abstracts with the builtin embedder (the real vectors)...');
const real = realCorpus();
const dim = real.dim;

log('measuring the embedding speed of the MiniLM architecture (random weights) on 96 seed abstracts...');
const textsPerSecond = await embeddingRate();
report.embedTextsPerSecond = Number(textsPerSecond.toFixed(2));

// Seeds: recall of the default HNSW against exact search on the real corpus.
{
  const papers = readInputs(listInputFiles([resolve(ROOT, 'seeds')])).papers;
  const texts = papers.map(paperText);
  const vectors = embedWithBuiltin(fitBuiltin(texts), texts);
  const skipSelf = (q: number, label: number) => q === label;
  const index = buildHnsw(vectors, dim, DEFAULT_HNSW);
  const recall = recallAtK(hnswNeighbours(index, vectors, dim, vectors, K, skipSelf), exactNeighbours(vectors, dim, vectors, K, skipSelf));
  report.seeds = { papers: papers.length, recallAt10: recall };
  console.log(
    `seeds (${papers.length} papers, builtin vectors): recall@10 of HNSW (M=${DEFAULT_HNSW.m}, efConstruction=${DEFAULT_HNSW.efConstruction}, ef=${DEFAULT_HNSW.efSearch}) = ${recall.toFixed(4)}`,
  );
}

// Where exact search stops being as fast as HNSW for the whole graph step.
console.log("\ngraph step (every paper's 10 nearest), exact vs HNSW incl. build:");
console.log('  papers   exact s   hnsw s');
const crossover: { papers: number; exactSeconds: number; hnswSeconds: number }[] = [];
for (const count of [500, 1000, 2000, 4000]) {
  const { vectors } = syntheticVectors(real, count, count);
  const skipSelf = (q: number, label: number) => q === label;
  let started = performance.now();
  exactNeighbours(vectors, dim, vectors, K, skipSelf);
  const exactSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  hnswNeighbours(buildHnsw(vectors, dim, DEFAULT_HNSW), vectors, dim, vectors, K, skipSelf);
  const hnswSeconds = (performance.now() - started) / 1000;
  crossover.push({ papers: count, exactSeconds, hnswSeconds });
  console.log(`  ${String(count).padStart(6)}  ${exactSeconds.toFixed(2).padStart(8)}  ${hnswSeconds.toFixed(2).padStart(7)}`);
}
report.crossover = crossover;
report.exactSearchMaxPapers = EXACT_SEARCH_MAX_PAPERS;

const results: Record<string, unknown>[] = [];
for (const count of sizes) {
  log(`\n${count} vectors: building...`);
  const { vectors } = syntheticVectors(real, count, count);
  const { vectors: queries } = syntheticVectors(real, queryCount, 2);
  let started = performance.now();
  const index = buildHnsw(vectors, dim, DEFAULT_HNSW);
  const buildSeconds = (performance.now() - started) / 1000;
  const truth = bruteForce(vectors, dim, queries, K);

  console.log(
    `\n${count} vectors of ${dim} dimensions: build ${buildSeconds.toFixed(1)} s (M=${DEFAULT_HNSW.m}, efConstruction=${DEFAULT_HNSW.efConstruction})`,
  );
  console.log('    ef   recall@10   p50 ms   p99 ms');
  const byEf: Record<string, unknown>[] = [];
  for (const ef of EF_VALUES) {
    index.setEf(ef);
    const latencies: number[] = [];
    const labels = new Int32Array(queryCount * K);
    for (let q = 0; q < queryCount; q++) {
      const query = Array.from(queries.subarray(q * dim, (q + 1) * dim));
      const t = performance.now();
      const found = index.searchKnn(query, K);
      latencies.push(performance.now() - t);
      labels.set(found.neighbors, q * K);
    }
    latencies.sort((a, b) => a - b);
    const recall = recallAtK({ k: K, labels, scores: new Float32Array(labels.length) }, truth);
    byEf.push({ ef, recall, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) });
    console.log(
      `  ${String(ef).padStart(4)}   ${recall.toFixed(4).padStart(9)}   ${percentile(latencies, 0.5).toFixed(3).padStart(6)}   ${percentile(latencies, 0.99).toFixed(3).padStart(6)}`,
    );
  }

  // the whole index stage as papermap runs it, on the same vectors: build, save, every paper's neighbours, related.json, graph.graphml
  const out = syntheticOutput(real, count);
  started = performance.now();
  await runOneStage(indexStage, OutputFolder.writable(out), defaultOptions());
  const graphSeconds = (performance.now() - started) / 1000;
  const embedSeconds = count / textsPerSecond;
  console.log(
    `  the index stage (build, neighbours, related.json, graph.graphml): ${graphSeconds.toFixed(1)} s = ${((100 * graphSeconds) / embedSeconds).toFixed(2)}% of embedding ${count} papers (${embedSeconds.toFixed(0)} s at ${textsPerSecond.toFixed(1)} texts/s)`,
  );
  results.push({ vectors: count, dim, buildSeconds, byEf, graphSeconds, graphShareOfEmbedding: graphSeconds / embedSeconds });
}
report.sizes = results;
console.log(`\n${JSON.stringify(report)}`);
