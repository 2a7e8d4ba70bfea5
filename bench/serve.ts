/**
 * `npm run bench:serve [-- --papers 100000] [--queries 500]`
 *
 * Latency of `GET /api/search` (free text by meaning) through a running
 * papermap server, on an output folder of synthetic papers (bench/synthetic.ts:
 * OHSUMED titles and abstracts, vectors made from their builtin embeddings).
 * The folder's vectors are declared builtin vectors of the OHSUMED fit, so
 * the server embeds queries with the builtin embedder, as it would for a
 * corpus embedded with it. Queries are OHSUMED titles, one at a time over
 * HTTP, after 20 warm-up queries; p50 and p99 are of the whole round trip.
 * Then the same queries with the shipped all-MiniLM-L6-v2 declared as the
 * corpus's model, so each search runs the model on the query as a MiniLM
 * corpus does (the synthetic vectors are not its vectors: the answers mean
 * nothing, the time is real). The output folder is removed at the end.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { embedWithBuiltin, fitBuiltin, serializeBuiltin } from '../src/embed/builtin.js';
import { cachePath } from '../src/store/cache.js';
import { describeTransformer, MINILM_NAME, SHIPPED_MODEL_DIR } from '../src/embed/model.js';
import { DEFAULT_HNSW } from '../src/index/index.js';
import { indexStage } from '../src/index/stage.js';
import { runOneStage } from '../src/runner/index.js';
import { defaultOptions } from '../src/runner/stages.js';
import { startServer } from '../src/serve/index.js';
import { bytesOf, sha256, writeFileAtomic } from '../src/shared/files.js';
import { OutputFolder } from '../src/store/folder.js';
import { readVectors } from '../src/store/read.js';
import { realCorpus, syntheticOutput } from './synthetic.js';

const { values: args } = parseArgs({ options: { papers: { type: 'string', default: '100000' }, queries: { type: 'string', default: '500' } } });
const count = Number(args.papers);
const queryCount = Number(args.queries);
const log = (message: string) => process.stderr.write(`${message}\n`);

function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function fetchJson(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

log('embedding the OHSUMED abstracts with the builtin embedder...');
const real = realCorpus();
const texts = real.records.map((record) => `${record.title}. ${record.abstract}`);
const model = fitBuiltin(texts);
// the synthetic vectors live in the space of this fit: the same texts give the same fit
const check = embedWithBuiltin(model, texts.slice(0, 5));
if (check.some((value, i) => Math.abs(value - real.vectors[i]) > 1e-5)) throw new Error('the builtin fit is not the one the synthetic vectors came from');

log(`writing ${count} synthetic papers and building the index...`);
const out = syntheticOutput(real, count);
const folder = OutputFolder.existing(out);
const identity = 'bench-builtin-ohsumed';
const { info, vectors } = readVectors(folder);

/** Declares the folder's vectors to be those of another model, as its embed stage would have committed them. */
function declareModel(model: string, modelIdentity: string, modelDir?: string): void {
  const writer = folder.begin('embed');
  writer.write('vectors', bytesOf(vectors));
  writer.write(
    'vectorsInfo',
    JSON.stringify({
      model,
      modelIdentity,
      ...(modelDir ? { modelDir } : {}),
      dim: info.dim,
      count: info.count,
      normalized: true,
      papersHash: info.papersHash,
      vectorsHash: sha256(bytesOf(vectors)),
    }),
  );
  writer.commit({ status: 'ran', seconds: 0, fingerprint: sha256(modelIdentity), parameters: {} });
}

declareModel('builtin', identity);
writeFileAtomic(cachePath(join(out, 'cache'), identity, 'model'), serializeBuiltin(model));
let started = performance.now();
await runOneStage(indexStage, folder, defaultOptions());
log(`index: ${((performance.now() - started) / 1000).toFixed(1)} s`);
// the server wants a report to serve; its latency does not depend on it
writeFileSync(join(out, 'report.html'), '<!DOCTYPE html><title>bench</title>\n');

started = performance.now();
const server = await startServer({ out, port: 0, host: '127.0.0.1' });
const startSeconds = (performance.now() - started) / 1000;
const queries = real.records.map((record) => record.title).filter((title) => title.length > 10);

/** Round-trip times of `queryCount` searches, one at a time, after 20 warm-up ones; sorted. */
async function timeQueries(url: string): Promise<number[]> {
  const ask = async (query: string) => {
    const reply = await fetchJson(`${url}api/search?q=${encodeURIComponent(query)}&k=10`);
    if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body}`);
  };
  for (let q = 0; q < 20; q++) await ask(queries[(q * 7919) % queries.length]);
  const latencies: number[] = [];
  for (let q = 0; q < queryCount; q++) {
    const query = queries[(q * 104729 + 13) % queries.length];
    const t = performance.now();
    await ask(query);
    latencies.push(performance.now() - t);
  }
  return latencies.sort((a, b) => a - b);
}

const latencies = await timeQueries(server.url);
await server.close();
const p50 = percentile(latencies, 0.5);
const p99 = percentile(latencies, 0.99);

// the same with the shipped MiniLM declared as the corpus's model: the server embeds each query with it
declareModel(MINILM_NAME, describeTransformer(SHIPPED_MODEL_DIR).identity, SHIPPED_MODEL_DIR);
const transformerServer = await startServer({ out, port: 0, host: '127.0.0.1' });
const times = await timeQueries(transformerServer.url);
await transformerServer.close();
const minilm = { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
rmSync(out, { recursive: true, force: true });

console.log(
  `papermap serve, ${count} papers (${info.dim} dimensions, HNSW ef ${DEFAULT_HNSW.efSearch}), ${queryCount} free-text queries over HTTP one at a time, k = 10:`,
);
console.log(`  server start (papers, vectors, index and model loaded): ${startSeconds.toFixed(1)} s`);
console.log(`  /api/search, builtin embedder:             p50 ${p50.toFixed(2)} ms   p99 ${p99.toFixed(2)} ms   (target p50 <= 50 ms)`);
console.log(`  /api/search, shipped all-MiniLM-L6-v2:    p50 ${minilm.p50.toFixed(2)} ms   p99 ${minilm.p99.toFixed(2)} ms`);
console.log(
  JSON.stringify({ papers: count, queries: queryCount, startSeconds, builtin: { p50Ms: p50, p99Ms: p99 }, minilm: { p50Ms: minilm.p50, p99Ms: minilm.p99 } }),
);
