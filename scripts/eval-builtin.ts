/**
 * Measures the builtin embedder against plain TF-IDF (run from the project root):
 *
 *   node dist/scripts/eval-builtin.js          quality table
 *   node dist/scripts/eval-builtin.js --scale  time and peak memory on 100,000 abstracts
 *
 * Quality: title -> own abstract retrieval on the seeds and on OHSUMED, and
 * k-means (k = 23) on OHSUMED against its 23 MeSH disease labels.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { kmeans } from 'ml-kmeans';
import { embedWithBuiltin, fitBuiltin, serializeBuiltin } from '../src/embed/builtin.js';
import { seededRandom } from '../src/shared/random.js';
import { listInputFiles, readInputs } from '../src/ingest/index.js';
import { adjustedRandIndex, meanReciprocalRank, normalizedMutualInformation, rankOf, shareRankedFirst, vMeasure } from './metrics.js';
import { OHSUMED } from '../bench/shared-data.js';

const KMEANS_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const TOPICS = 23;
const SCALE_PAPERS = 100_000;

interface Paper {
  title: string;
  abstract: string;
  label?: string;
}

/** A sparse vector: term ids in increasing order and their weights. */
interface SparseVector {
  terms: Int32Array;
  weights: Float64Array;
}

// ---- the baseline: scikit-learn's TfidfVectorizer with its defaults ----

/** Python's \b\w\w+\b: runs of two or more letters, digits or underscores. */
const SKLEARN_TOKEN = /[\p{L}\p{N}_]{2,}/gu;

/** TfidfVectorizer(): lowercase, raw counts, smooth idf ln((1+n)/(1+df))+1, L2 norm; unknown words ignored. */
function fitTfidf(texts: readonly string[]): { dims: number; transform: (texts: readonly string[]) => SparseVector[] } {
  const tokens = (text: string) => text.toLowerCase().match(SKLEARN_TOKEN) ?? [];
  const index = new Map<string, number>();
  const frequency: number[] = [];
  for (const text of texts) {
    for (const token of new Set(tokens(text))) {
      let id = index.get(token);
      if (id === undefined) index.set(token, (id = frequency.push(0) - 1));
      frequency[id]++;
    }
  }
  const idf = frequency.map((df) => Math.log((1 + texts.length) / (1 + df)) + 1);
  const transform = (batch: readonly string[]) =>
    batch.map((text) => {
      const counts = new Map<number, number>();
      for (const token of tokens(text)) {
        const id = index.get(token);
        if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      const terms = Int32Array.from(counts.keys()).sort();
      const weights = Float64Array.from(terms, (id) => counts.get(id)! * idf[id]);
      const norm = Math.hypot(...weights);
      return { terms, weights: norm > 0 ? weights.map((w) => w / norm) : weights };
    });
  return { dims: frequency.length, transform };
}

/** Sparse form of dense rows, so both embedders go through the same k-means code. */
function sparseRows(vectors: Float32Array, dim: number): SparseVector[] {
  const terms = Int32Array.from({ length: dim }, (_, j) => j);
  return Array.from({ length: vectors.length / dim }, (_, i) => ({ terms, weights: Float64Array.from(vectors.subarray(i * dim, (i + 1) * dim)) }));
}

// ---- retrieval ----

/** Rank of each query's own document (same position) among all documents, by dot product. */
function sparseRanks(queries: readonly SparseVector[], documents: readonly SparseVector[]): number[] {
  const postings = new Map<number, { document: number; weight: number }[]>();
  documents.forEach((vector, document) =>
    vector.terms.forEach((term, p) => {
      const list = postings.get(term) ?? [];
      list.push({ document, weight: vector.weights[p] });
      postings.set(term, list);
    }),
  );
  return queries.map((query, i) => {
    const scores = new Float64Array(documents.length);
    query.terms.forEach((term, p) => {
      for (const { document, weight } of postings.get(term) ?? []) scores[document] += query.weights[p] * weight;
    });
    return rankOf(scores, i);
  });
}

function denseRanks(queries: Float32Array, documents: Float32Array, dim: number): number[] {
  const count = documents.length / dim;
  const scores = new Float64Array(count);
  return Array.from({ length: queries.length / dim }, (_, i) => {
    const query = queries.subarray(i * dim, (i + 1) * dim);
    for (let d = 0; d < count; d++) {
      const document = documents.subarray(d * dim, (d + 1) * dim);
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += query[j] * document[j];
      scores[d] = dot;
    }
    return rankOf(scores, i);
  });
}

// ---- clustering ----

/**
 * Lloyd's k-means on sparse unit vectors, seeded greedy k-means++ start
 * (2 + ln k candidates per centre, as ml-kmeans and scikit-learn), run until
 * no paper changes cluster (at most 100 rounds); an empty cluster keeps its
 * centre. Spherical: centres (papers at first, so already unit) are
 * renormalised after each update, papers go to the highest cosine.
 */
function sparseKmeans(rows: readonly SparseVector[], dims: number, k: number, seed: number, spherical: boolean): Int32Array {
  const random = seededRandom(seed);
  const count = rows.length;
  const dot = (row: SparseVector, centre: Float64Array) => {
    let sum = 0;
    for (let p = 0; p < row.terms.length; p++) sum += row.weights[p] * centre[row.terms[p]];
    return sum;
  };
  const squaredNorm = (values: ArrayLike<number>) => {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
    return sum;
  };
  const rowNorms = rows.map((row) => squaredNorm(row.weights));
  const dense = (row: SparseVector) => {
    const centre = new Float64Array(dims);
    row.terms.forEach((term, p) => (centre[term] = row.weights[p]));
    return centre;
  };
  const distancesTo = (centre: Float64Array) => {
    const centreNorm = squaredNorm(centre);
    return Float64Array.from(rows, (row, i) => Math.max(0, rowNorms[i] + centreNorm - 2 * dot(row, centre)));
  };

  const centres: Float64Array[] = [dense(rows[Math.floor(random() * count)])];
  let closest: Float64Array = distancesTo(centres[0]);
  const trials = 2 + Math.floor(Math.log(k));
  while (centres.length < k) {
    let best: { centre: Float64Array; distances: Float64Array; potential: number } | undefined;
    const total = closest.reduce((a, b) => a + b, 0);
    for (let t = 0; t < trials; t++) {
      let target = random() * total;
      let candidate = 0;
      while (candidate < count - 1 && (target -= closest[candidate]) > 0) candidate++;
      const centre = dense(rows[candidate]);
      const distances = distancesTo(centre).map((d, i) => Math.min(d, closest[i]));
      const potential = distances.reduce((a, b) => a + b, 0);
      if (!best || potential < best.potential) best = { centre, distances, potential };
    }
    centres.push(best!.centre);
    closest = best!.distances;
  }

  const assignment = new Int32Array(count).fill(-1);
  for (let round = 0; round < 100; round++) {
    const centreNorms = centres.map(squaredNorm);
    let changed = 0;
    rows.forEach((row, i) => {
      let bestCluster = 0;
      let bestScore = Infinity;
      centres.forEach((centre, c) => {
        const score = spherical ? -dot(row, centre) : centreNorms[c] - 2 * dot(row, centre);
        if (score < bestScore) [bestScore, bestCluster] = [score, c];
      });
      if (assignment[i] !== bestCluster) changed++;
      assignment[i] = bestCluster;
    });
    if (changed === 0) break;
    const sums = centres.map(() => new Float64Array(dims));
    const sizes = new Int32Array(k);
    rows.forEach((row, i) => {
      sizes[assignment[i]]++;
      row.terms.forEach((term, p) => (sums[assignment[i]][term] += row.weights[p]));
    });
    sums.forEach((sum, c) => {
      if (sizes[c] === 0) return;
      const scale = spherical ? 1 / Math.sqrt(squaredNorm(sum)) : 1 / sizes[c];
      centres[c] = Float64Array.from(sum, (v) => v * scale);
    });
  }
  return assignment;
}

interface ClusterScores {
  nmi: number;
  nmiSpread: number;
  ari: number;
  vMeasure: number;
}

/** Mean over the k-means seeds (and the standard deviation of NMI, to show the noise). */
function scoreClusterings(labels: readonly string[], clusterings: readonly ArrayLike<number>[]): ClusterScores {
  const scores = clusterings.map((clusters) => {
    const predicted = Array.from(clusters);
    return { nmi: normalizedMutualInformation(labels, predicted), ari: adjustedRandIndex(labels, predicted), v: vMeasure(labels, predicted).vMeasure };
  });
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const nmi = mean(scores.map((s) => s.nmi));
  const nmiSpread = Math.sqrt(scores.reduce((acc, s) => acc + (s.nmi - nmi) ** 2, 0) / Math.max(1, scores.length - 1));
  return { nmi, nmiSpread, ari: mean(scores.map((s) => s.ari)), vMeasure: mean(scores.map((s) => s.v)) };
}

// ---- report ----

function timed<T>(work: () => T): { result: T; seconds: number } {
  const start = performance.now();
  const result = work();
  return { result, seconds: (performance.now() - start) / 1000 };
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);
const figure = (x: number) => x.toFixed(3).padStart(7);
const seconds = (s: number) => `${s.toFixed(1)} s`.padStart(8);

function retrievalLine(name: string, ranks: number[], time: number): string {
  return `  ${name.padEnd(52)}${percent(shareRankedFirst(ranks))}${figure(meanReciprocalRank(ranks))}${seconds(time)}`;
}

function retrieval(corpus: string, papers: readonly Paper[]): string[] {
  const titles = papers.map((p) => p.title);
  const abstracts = papers.map((p) => p.abstract);
  // the time is the embedder's (fit and embed), not the ranking's
  const tfidf = timed(() => {
    const vectorizer = fitTfidf(abstracts);
    return { queries: vectorizer.transform(titles), documents: vectorizer.transform(abstracts) };
  });
  const builtinOn = (fitTexts: readonly string[]) => {
    const { result, seconds } = timed(() => {
      const model = fitBuiltin(fitTexts);
      return { dim: model.dim, queries: embedWithBuiltin(model, titles), documents: embedWithBuiltin(model, abstracts) };
    });
    return { ranks: denseRanks(result.queries, result.documents, result.dim), seconds };
  };
  const onAbstracts = builtinOn(abstracts);
  const onPapers = builtinOn(papers.map((p) => `${p.title}. ${p.abstract}`));
  return [
    `Title -> own abstract, ${corpus} (${papers.length} papers)`.padEnd(54) + ' rank-1    MRR    time',
    retrievalLine('TF-IDF, scikit-learn defaults, fit on abstracts', sparseRanks(tfidf.result.queries, tfidf.result.documents), tfidf.seconds),
    retrievalLine('builtin, fit on abstracts', onAbstracts.ranks, onAbstracts.seconds),
    retrievalLine('builtin, fit on "title. abstract" (as the pipeline)', onPapers.ranks, onPapers.seconds),
  ];
}

function clustering(papers: readonly Paper[]): string[] {
  const texts = papers.map((p) => `${p.title}. ${p.abstract}`);
  const labels = papers.map((p) => p.label!);
  const tfidf = timed(() => {
    const vectorizer = fitTfidf(texts);
    return { dims: vectorizer.dims, rows: vectorizer.transform(texts) };
  });
  const builtin = timed(() => {
    const model = fitBuiltin(texts);
    return { dim: model.dim, vectors: embedWithBuiltin(model, texts) };
  });
  const { dim, vectors } = builtin.result;
  const builtinRows = Array.from({ length: papers.length }, (_, i) => vectors.subarray(i * dim, (i + 1) * dim)) as unknown as number[][];
  const line = (name: string, scores: ClusterScores, time: number) =>
    `  ${name.padEnd(44)}${`${scores.nmi.toFixed(3)}±${scores.nmiSpread.toFixed(3)}`.padStart(12)}${figure(scores.ari)}${figure(scores.vMeasure)}${seconds(time)}`;
  const lloyd = (rows: SparseVector[], dims: number, spherical: boolean) =>
    scoreClusterings(
      labels,
      KMEANS_SEEDS.map((seed) => sparseKmeans(rows, dims, TOPICS, seed, spherical)),
    );
  return [
    `k-means, k = ${TOPICS}, OHSUMED (${papers.length} papers), mean of ${KMEANS_SEEDS.length} seeds`.padEnd(46) + '         NMI    ARI  V-meas    time',
    line('TF-IDF, sparse Lloyd k-means++', lloyd(tfidf.result.rows, tfidf.result.dims, false), tfidf.seconds),
    line('TF-IDF, sparse spherical k-means', lloyd(tfidf.result.rows, tfidf.result.dims, true), tfidf.seconds),
    line(
      'builtin, ml-kmeans k-means++',
      scoreClusterings(
        labels,
        KMEANS_SEEDS.map((seed) => kmeans(builtinRows, TOPICS, { seed, initialization: 'kmeans++', maxIterations: 100 }).clusters),
      ),
      builtin.seconds,
    ),
    line('builtin, same sparse Lloyd as TF-IDF', lloyd(sparseRows(vectors, dim), dim, false), builtin.seconds),
  ];
}

function readOhsumed(): Paper[] {
  return readFileSync(OHSUMED, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Paper);
}

/**
 * 100,000 texts made from the evaluation papers: each copy loses 10% of its
 * words, has 5% swapped for words of another paper and 3% for made-up rare
 * words (Zipf-like), so the vocabulary grows as a real corpus's would.
 */
function scaleCorpus(papers: readonly Paper[]): string[] {
  const random = seededRandom(11);
  const sources = papers.map((p) => `${p.title}. ${p.abstract}`.split(' '));
  return Array.from({ length: SCALE_PAPERS }, (_, i) => {
    const other = sources[Math.floor(random() * sources.length)];
    const words: string[] = [];
    for (const word of sources[i % sources.length]) {
      const r = random();
      if (r < 0.1) continue;
      if (r < 0.15) words.push(other[Math.floor(random() * other.length)]);
      else if (r < 0.18) words.push(`x${Math.floor(300_000 * random() ** 3).toString(36)}`);
      else words.push(word);
    }
    return words.join(' ');
  });
}

function main(): void {
  const seeds = readInputs(listInputFiles(['seeds'])).papers;
  const ohsumed = readOhsumed();
  if (process.argv.includes('--scale')) {
    const texts = scaleCorpus([...seeds, ...ohsumed]);
    const fit = timed(() => fitBuiltin(texts));
    const embed = timed(() => embedWithBuiltin(fit.result, texts));
    const megabytes = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
    console.log(
      `builtin on ${texts.length} texts: fit ${seconds(fit.seconds).trim()}, embed ${seconds(embed.seconds).trim()}, ` +
        `${fit.result.terms.length} terms, model ${megabytes(serializeBuiltin(fit.result).length)}, ` +
        `peak RSS ${megabytes(process.resourceUsage().maxRSS * 1024)}`,
    );
    return;
  }
  const lines = [...retrieval('seeds', seeds), '', ...retrieval('OHSUMED', ohsumed), '', ...clustering(ohsumed)];
  console.log(lines.join('\n'));
}

main();
