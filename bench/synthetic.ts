/**
 * Test corpora of any size with the structure of real embeddings: the OHSUMED
 * dev abstracts embedded with the builtin embedder are the real vectors, and
 * each synthetic paper is a real one, its vector moved up to half way towards
 * one of its 10 nearest real neighbours, plus Gaussian noise, then normalised.
 * The noise (norm 1) is set so that at 100,000 papers a paper's nearest
 * neighbour is as similar as in the real corpus (mean cosine 0.49 both); with
 * less noise the 30 papers made from each real one form tight clumps and
 * nearest-neighbour search gets unrealistically easy.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planBatches } from '../src/embed/batch.js';
import { embedWithBuiltin, fitBuiltin } from '../src/embed/builtin.js';
import { paperText } from '../src/embed/index.js';
import { exactNeighbours, type Neighbours } from '../src/graph/neighbours.js';
import { listInputFiles, readInputs } from '../src/ingest/index.js';
import { textHash } from '../src/store/cache.js';
import { OutputFolder } from '../src/store/folder.js';
import { LanceBackend } from '../src/store/lance/backend.js';
import { parseLocation, s3Settings } from '../src/store/location.js';
import { paperToJson, type Paper } from '../src/store/read.js';
import { bytesOf, sha256 } from '../src/shared/files.js';
import { seededRandom } from '../src/shared/random.js';
import { OHSUMED, RANDOM_MINILM } from './shared-data.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SPEED_MODEL = RANDOM_MINILM;

export interface RealCorpus {
  records: { title: string; abstract: string }[];
  dim: number;
  vectors: Float32Array;
  neighbours: Neighbours;
}

export function realCorpus(): RealCorpus {
  const records = readFileSync(OHSUMED, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { title: string; abstract: string });
  const texts = records.map((record) => `${record.title}. ${record.abstract}`);
  const model = fitBuiltin(texts);
  const vectors = embedWithBuiltin(model, texts);
  return { records, dim: model.dim, vectors, neighbours: exactNeighbours(vectors, model.dim, vectors, 10, (q, label) => q === label) };
}

/** `count` synthetic unit vectors, and for each the real record it was drawn from. */
export function syntheticVectors(real: RealCorpus, count: number, seed: number): { vectors: Float32Array; sources: Int32Array } {
  const { dim } = real;
  const uniform = seededRandom(seed);
  const next = (bound: number) => Math.floor(uniform() * bound);
  const gaussian = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  const realCount = real.vectors.length / dim;
  const sigma = 1 / Math.sqrt(dim);
  const vectors = new Float32Array(count * dim);
  const sources = new Int32Array(count);
  const point = new Float64Array(dim);
  for (let row = 0; row < count; row++) {
    const a = next(realCount);
    const b = real.neighbours.labels[a * real.neighbours.k + next(real.neighbours.k)];
    const t = uniform() / 2;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      point[d] = (1 - t) * real.vectors[a * dim + d] + t * real.vectors[b * dim + d] + sigma * gaussian();
      norm += point[d] * point[d];
    }
    for (let d = 0; d < dim; d++) vectors[row * dim + d] = point[d] / Math.sqrt(norm);
    sources[row] = a;
  }
  return { vectors, sources };
}

/**
 * An output folder holding `count` synthetic papers (OHSUMED titles and
 * abstracts, each with the vector drawn from its own) as papers.jsonl and
 * vectors.f32, as if ingest and embed had run: the later stages run on it.
 * `model` is what vectors.json names (a model folder, so that the cluster
 * stage embeds its label candidates with it as it would after a real embed).
 */
export function syntheticOutput(
  real: RealCorpus,
  count: number,
  model: { model: string; modelIdentity: string } = { model: 'synthetic', modelIdentity: 'synthetic' },
): string {
  const out = mkdtempSync(join(tmpdir(), 'papermap-bench-'));
  const { vectors, sources } = syntheticVectors(real, count, count);
  const papers: Paper[] = Array.from(sources, (source, row) => ({
    id: `p${row}`,
    title: `${real.records[source].title} (${row})`,
    abstract: real.records[source].abstract,
    sources: ['synthetic'],
    metadata: {},
  }));
  // written through the store as ingest and embed would commit them, so the later stages read them as usual
  const folder = OutputFolder.writable(out);
  const record = { status: 'ran' as const, seconds: 0, fingerprint: sha256('synthetic'), parameters: {} };
  const lines = papers.map((paper) => paperToJson(paper) + '\n');
  let writer = folder.begin('ingest');
  writer.write('papers', lines);
  // no inputs were read: a state that decodes to nothing, so a later ingest reads every input
  writer.write('ingestState', new Uint8Array(0));
  writer.commit(record);
  writer = folder.begin('embed');
  writer.write('vectors', bytesOf(vectors));
  const info = {
    ...model,
    dim: real.dim,
    count,
    normalized: true,
    papersHash: sha256(lines.join('')),
    vectorsHash: sha256(bytesOf(vectors)),
  };
  writer.write('vectorsInfo', JSON.stringify(info, null, 2) + '\n');
  writer.commit(record);
  return out;
}

/** An output folder holding `count` synthetic papers as papers.jsonl only, for the embed stage to embed. */
export function syntheticPapers(real: RealCorpus, count: number): string {
  const out = mkdtempSync(join(tmpdir(), 'papermap-bench-'));
  const lines = Array.from({ length: count }, (_, row) => {
    const source = real.records[row % real.records.length];
    return paperToJson({ id: `p${row}`, title: `${source.title} (${row})`, abstract: source.abstract, sources: ['synthetic'], metadata: {} }) + '\n';
  });
  const writer = OutputFolder.writable(out).begin('ingest');
  writer.write('papers', lines);
  writer.write('ingestState', new Uint8Array(0));
  writer.commit({ status: 'ran' as const, seconds: 0, fingerprint: sha256('synthetic papers'), parameters: {} });
  return out;
}

/**
 * `count` synthetic papers (OHSUMED abstracts, each titled after the record
 * its vector was drawn from) as a JSON Lines input in `dir`, for `papermap
 * ingest`; each one's vector, and the text it is cached under.
 */
export function syntheticInput(real: RealCorpus, count: number, dir: string): { input: string; vectors: Float32Array; texts: string[] } {
  const { vectors, sources } = syntheticVectors(real, count, count);
  const papers = Array.from(sources, (source, row) => ({
    id: `p${row}`,
    title: `${real.records[source].title} (${row})`,
    abstract: real.records[source].abstract,
  }));
  const input = join(dir, 'papers.jsonl');
  // a piece at a time: a million papers' lines are more than one string can hold
  const fd = openSync(input, 'w');
  try {
    for (let at = 0; at < papers.length; at += 10_000)
      writeSync(
        fd,
        papers
          .slice(at, at + 10_000)
          .map((paper) => JSON.stringify(paper) + '\n')
          .join(''),
      );
  } finally {
    closeSync(fd);
  }
  return { input, vectors, texts: papers.map((paper) => paperText({ ...paper, sources: [], metadata: {} })) };
}

/**
 * Fills the embeddings table of a LanceDB store (a folder or s3://) with the
 * vectors of the first `kept` texts under a model's identity, 20,000 rows a
 * merge.
 */
export async function fillLanceCache(out: string, identity: string, texts: readonly string[], vectors: Float32Array, dim: number, kept: number): Promise<void> {
  const location = parseLocation(out);
  const backend = await LanceBackend.open(location, location.kind === 's3' ? s3Settings() : undefined);
  try {
    for (let start = 0; start < kept; start += 20_000) {
      const end = Math.min(kept, start + 20_000);
      // a real model's vectors of a text would be 384 dimensions too; these stand in for them
      await backend.addToCache(identity, dim, texts.slice(start, end).map(textHash), vectors.subarray(start * dim, end * dim));
    }
  } finally {
    await backend.close();
  }
}

/**
 * Texts per second of a model (by default the MiniLM architecture with
 * random weights) through papermap's embedder with the embed stage's
 * batching, on 96 seed abstracts: the speed the at-scale figures are
 * compared with.
 */
export async function embeddingRate(model = SPEED_MODEL): Promise<number> {
  const { TransformerEmbedder } = await import('../src/embed/transformer.js');
  const { transformerIn } = await import('../src/embed/model.js');
  const { DEFAULT_BATCH_SIZE, paperText } = await import('../src/embed/index.js');
  const embedder = await TransformerEmbedder.load(transformerIn(model, model));
  const ids = readInputs(listInputFiles([resolve(ROOT, 'seeds')]))
    .papers.slice(0, 96)
    .map((paper) => embedder.tokenize(paperText(paper)));
  const batches = planBatches(
    ids.map((row) => row.length),
    DEFAULT_BATCH_SIZE,
    embedder.maxTokens,
  );
  await embedder.embedTokenized(batches[0].map((position) => ids[position]));
  const started = performance.now();
  for (const batch of batches) await embedder.embedTokenized(batch.map((position) => ids[position]));
  const rate = ids.length / ((performance.now() - started) / 1000);
  await embedder.dispose();
  return rate;
}
