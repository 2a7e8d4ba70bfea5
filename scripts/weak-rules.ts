/**
 * Rules for flagging a topic weak, compared by how well "weak" tells impure
 * topics from pure ones (`node dist/scripts/eval-topics.js weak DIR...`).
 *
 * On each corpus the fine topics are fitted as papermap fits them (the
 * reading count, the PCA space, k-means with seeds 42, 7 and 1234, topics of
 * the three pooled), and every rule judges them from the same 10 subsample
 * fits papermap makes (seeded 80% subsamples of the judged papers). A topic's
 * purity is the share of its papers with its majority label; "impure" is a
 * purity below the median of the corpus's topics, so that half the topics of
 * every corpus are impure and a rule that flags at random, or nothing, or
 * everything, has a balanced accuracy of 0.5.
 */
import { bestMatchJaccard } from '../src/cluster/agreement.js';
import { termsOf, topicKeywords } from '../src/cluster/ctfidf.js';
import { findTopics } from '../src/cluster/levels.js';
import { npmiCoherence } from '../src/cluster/quality.js';
import { topicSpace } from '../src/cluster/reduce.js';
import { blocksOf } from '../src/shared/vectors.js';
import { readingCount, reproducibility, resolutionAt, topicsIn, type SubsampleFit } from '../src/cluster/resolution.js';
import { seededRandom } from '../src/shared/random.js';
import type { Paper } from '../src/store/read.js';

const SEEDS = [42, 7, 1234];
/** Shuffles of each subsample fit the chance level of a topic's best match is taken from. */
const SHUFFLES = 5;

interface Corpus {
  name: string;
  papers: readonly Paper[];
  info: { dim: number };
  vectors: Float32Array;
  truth: readonly string[];
}

/** Every score of one topic: higher is more stable (or more coherent). */
interface Scores {
  /** The fits extended to all judged papers, best-match Jaccard (papermap until now). */
  extended: number;
  /** Best-match Jaccard on the subsample's own papers only (Hennig's clusterboot, subsetting). */
  subset: number;
  /** The extended Jaccard corrected for chance: (J - J0) / (1 - J0), J0 against the same fit with its papers shuffled. */
  corrected: number;
  /** Share of the topic's pairs of papers that a fit keeps together, mean over the fits. */
  pairs: number;
  coherence: number;
}

interface Topic {
  scores: Scores;
  purity: number;
  size: number;
}

/** For each topic of `labels`, the share of its pairs of papers that each subsample fit keeps in one topic, mean over the fits: 1 when every fit keeps it whole. */
function coassignment(labels: Int32Array, k: number, fits: readonly SubsampleFit[]): number[] {
  const perTopic = new Array<number>(k).fill(0);
  const sizes = new Float64Array(k);
  for (const label of labels) sizes[label]++;
  const pairs = (n: number) => (n * (n - 1)) / 2;
  for (const fit of fits) {
    const kb = topicsIn(fit);
    const cells = new Float64Array(k * kb);
    labels.forEach((label, row) => cells[label * kb + fit.assignments[row]]++);
    for (let topic = 0; topic < k; topic++) {
      let together = 0;
      for (let other = 0; other < kb; other++) together += pairs(cells[topic * kb + other]);
      perTopic[topic] += (sizes[topic] < 2 ? 1 : together / pairs(sizes[topic])) / fits.length;
    }
  }
  return perTopic;
}

function shuffled(labels: Int32Array, random: () => number): Int32Array {
  const out = Int32Array.from(labels);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Each score of each topic of one labelling of the judged papers, against the subsample fits. */
function scoresOf(labels: Int32Array, k: number, fits: readonly SubsampleFit[], coherence: readonly number[]): Scores[] {
  const extended = reproducibility(labels, k, fits);
  const subset = new Array<number>(k).fill(0);
  const corrected = new Array<number>(k).fill(0);
  const random = seededRandom(99);
  for (const fit of fits) {
    const mine = Int32Array.from(fit.rows, (row) => labels[row]);
    const theirs = Int32Array.from(fit.rows, (row) => fit.assignments[row]);
    const kb = topicsIn(fit);
    bestMatchJaccard(mine, k, theirs, kb).forEach((value, topic) => (subset[topic] += value / fits.length));
    const observed = bestMatchJaccard(labels, k, fit.assignments, kb);
    const chance = new Float64Array(k);
    for (let s = 0; s < SHUFFLES; s++)
      bestMatchJaccard(labels, k, shuffled(fit.assignments, random), kb).forEach((value, topic) => (chance[topic] += value / SHUFFLES));
    observed.forEach((value, topic) => (corrected[topic] += (value - chance[topic]) / (1 - chance[topic]) / fits.length));
  }
  const pairs = coassignment(labels, k, fits);
  return extended.map((_, topic) => ({
    extended: extended[topic],
    subset: subset[topic],
    corrected: corrected[topic],
    pairs: pairs[topic],
    coherence: coherence[topic],
  }));
}

const quantile = (sorted: readonly number[], q: number) => {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(sorted.length - 1, low + 1)] - sorted[low]) * (at - low);
};

interface Rule {
  name: string;
  /** Which of one fit's topics are weak. */
  weak: (topics: readonly Scores[]) => boolean[];
}

const below =
  (score: keyof Scores, threshold: number): Rule['weak'] =>
  (topics) =>
    topics.map((topic) => topic[score] < threshold);

/** Tukey's lower fence of the fit's own topics: a topic far less stable than the others. */
const fence: Rule['weak'] = (topics) => {
  const sorted = topics.map((topic) => topic.extended).sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const limit = q1 - 1.5 * (quantile(sorted, 0.75) - q1);
  return topics.map((topic) => topic.extended < limit);
};
const bottomQuarter: Rule['weak'] = (topics) => {
  const limit = quantile(
    topics.map((topic) => topic.extended).sort((a, b) => a - b),
    0.25,
  );
  return topics.map((topic) => topic.extended < limit);
};

export const RULES: Rule[] = [
  { name: 'coherence below 0 or extended Jaccard below 0.5 (papermap until now)', weak: (t) => t.map((topic) => topic.coherence < 0 || topic.extended < 0.5) },
  { name: 'coherence (NPMI of the top 10 c-TF-IDF terms) below -0.1', weak: below('coherence', -0.1) },
  { name: 'coherence (NPMI of the top 10 c-TF-IDF terms) below 0', weak: below('coherence', 0) },
  { name: 'coherence (NPMI of the top 10 c-TF-IDF terms) below 0.1', weak: below('coherence', 0.1) },
  { name: 'extended Jaccard below 0.5', weak: below('extended', 0.5) },
  { name: 'extended Jaccard below 0.6', weak: below('extended', 0.6) },
  { name: 'subset Jaccard below 0.5 (Hennig: dissolved)', weak: below('subset', 0.5) },
  { name: 'subset Jaccard below 0.6 (Hennig: patterns)', weak: below('subset', 0.6) },
  { name: 'subset Jaccard below 0.75 (Hennig: stable)', weak: below('subset', 0.75) },
  { name: 'chance-corrected Jaccard below 0.5', weak: below('corrected', 0.5) },
  { name: 'pairs kept together below 0.4', weak: below('pairs', 0.4) },
  { name: 'pairs kept together below 0.5', weak: below('pairs', 0.5) },
  { name: 'pairs kept together below 0.5, or coherence below 0', weak: (t) => t.map((topic) => topic.coherence < 0 || topic.pairs < 0.5) },
  { name: 'pairs kept together below 0.4, or coherence below 0', weak: (t) => t.map((topic) => topic.coherence < 0 || topic.pairs < 0.4) },
  { name: 'extended Jaccard in the bottom quarter of the topics', weak: bottomQuarter },
  { name: "extended Jaccard below Tukey's lower fence (Q1 - 1.5 IQR)", weak: fence },
];

/** The topics of each seed's fit on one corpus, scored, with their purity. */
function topicsOf(corpus: Corpus): { topics: Topic[]; fits: { scores: Scores[] }[] } {
  const { papers, info, vectors, truth } = corpus;
  const space = topicSpace(blocksOf(vectors, info.dim), 42);
  const k = readingCount(papers.length);
  const resolution = resolutionAt(space, k, 42);
  const documents = papers.map((paper) => termsOf(`${paper.title}. ${paper.abstract}`));
  const topics: Topic[] = [];
  const fits = SEEDS.map((seed) => {
    const found = findTopics(space, k, seed);
    const keywords = topicKeywords(documents, found.assignments, found.k, 10).map((list) => list.map(({ term }) => term));
    const judged = Int32Array.from(resolution.judged.rows, (row) => found.assignments[row]);
    const scores = scoresOf(judged, found.k, resolution.fits, npmiCoherence(documents, keywords));
    const counts = Array.from({ length: found.k }, () => new Map<string, number>());
    found.assignments.forEach((topic, row) => counts[topic].set(truth[row], (counts[topic].get(truth[row]) ?? 0) + 1));
    counts.forEach((count, topic) => {
      const size = [...count.values()].reduce((sum, value) => sum + value, 0);
      topics.push({ scores: scores[topic], purity: Math.max(...count.values()) / size, size });
    });
    return { scores };
  });
  return { topics, fits };
}

/** Balanced accuracy of "weak" as a test for "impure" (purity below the corpus's median). */
function balancedAccuracy(topics: readonly Topic[], weak: readonly boolean[]): number {
  const median = quantile(
    topics.map((topic) => topic.purity).sort((a, b) => a - b),
    0.5,
  );
  let hit = 0;
  let impure = 0;
  let rejected = 0;
  let pure = 0;
  topics.forEach((topic, index) => {
    if (topic.purity < median) {
      impure++;
      if (weak[index]) hit++;
    } else {
      pure++;
      if (!weak[index]) rejected++;
    }
  });
  return (hit / Math.max(1, impure) + rejected / Math.max(1, pure)) / 2;
}

/** Probability that a pure topic (purity at or above the median) scores higher than an impure one: the score's AUC, ties half. */
function auc(topics: readonly Topic[], score: keyof Scores): number {
  const median = quantile(
    topics.map((topic) => topic.purity).sort((a, b) => a - b),
    0.5,
  );
  const pure = topics.filter((topic) => topic.purity >= median).map((topic) => topic.scores[score]);
  const impure = topics.filter((topic) => topic.purity < median).map((topic) => topic.scores[score]);
  let wins = 0;
  for (const a of pure) for (const b of impure) wins += a > b ? 1 : a === b ? 0.5 : 0;
  return wins / Math.max(1, pure.length * impure.length);
}

const f2 = (value: number) => value.toFixed(2).replace(/^(-?)0\./, '$1.');
const meanOf = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);

export function weakRules(corpora: readonly Corpus[]): void {
  const measured = corpora.map((corpus) => {
    console.error(`${corpus.name}: fitting and judging...`);
    return { corpus, labelled: new Set(corpus.truth).size > 1, ...topicsOf(corpus) };
  });
  const labelled = measured.filter((entry) => entry.labelled);
  console.log(
    `| rule | ${measured.map((entry) => entry.corpus.name).join(' | ')} | mean balanced accuracy (labelled) | purity kept / weak (labelled, pooled) |`,
  );
  console.log(`|---|${measured.map(() => '---:|').join('')}---:|---:|`);
  for (const rule of RULES) {
    const cells = measured.map((entry) => {
      const weak = entry.fits.flatMap((fit) => rule.weak(fit.scores));
      const flagged = `${weak.filter(Boolean).length}/${weak.length} weak`;
      return { weak, text: entry.labelled ? `${f2(balancedAccuracy(entry.topics, weak))} (${flagged})` : flagged };
    });
    const accuracies = measured.flatMap((entry, index) => (entry.labelled ? [balancedAccuracy(entry.topics, cells[index].weak)] : []));
    const kept: number[] = [];
    const weak: number[] = [];
    measured.forEach((entry, index) => {
      if (entry.labelled) entry.topics.forEach((topic, t) => (cells[index].weak[t] ? weak : kept).push(topic.purity));
    });
    console.log(
      `| ${rule.name} | ${cells.map((cell) => cell.text).join(' | ')} | ${f2(meanOf(accuracies))} | ${f2(meanOf(kept))} / ${weak.length ? f2(meanOf(weak)) : '–'} |`,
    );
  }
  console.log('\nEach score as a ranking (AUC of a pure topic scoring above an impure one; .5 is chance):\n');
  const scores: (keyof Scores)[] = ['extended', 'subset', 'corrected', 'pairs', 'coherence'];
  console.log(`| corpus | topics | median purity | ${scores.join(' | ')} |`);
  console.log(`|---|---:|---:|${scores.map(() => '---:|').join('')}`);
  for (const entry of labelled) {
    const median = quantile(
      entry.topics.map((topic) => topic.purity).sort((a, b) => a - b),
      0.5,
    );
    console.log(`| ${entry.corpus.name} | ${entry.topics.length} | ${f2(median)} | ${scores.map((score) => f2(auc(entry.topics, score))).join(' | ')} |`);
  }
  console.log(`| mean | | | ${scores.map((score) => f2(meanOf(labelled.map((entry) => auc(entry.topics, score))))).join(' | ')} |`);
}
