import { UserError } from '../shared/errors.js';
import { sampleRows } from '../shared/random.js';
import type { Paper } from '../store/read.js';
import type { BroadTopic, Clusters, KScore, VectorsInfo } from '../store/schemas.js';
import { termsOf, topicKeywords, topicLabels } from './ctfidf.js';
import { adjustedRand } from './agreement.js';
import { averageLinkage, cutTree } from './hierarchy.js';
import { similarityToOwnTopic, topicCentres } from './kmeans.js';
import { autoLevels, findTopics, KMEANS_SAMPLE, levelsLike, MAX_FINE_K, MIN_SPLIT, RESTARTS, type Levels } from './levels.js';
import { keywordDiversity, labelDiversity, npmiCoherence, seedStability } from './quality.js';
import { topicSpace, TOPIC_DIMS } from './reduce.js';
import { BROAD_CRITERION, chooseBroadK, K_CRITERION } from './select.js';
import { describeTopics, OUTLIER_RULE } from './topics.js';

export const DEFAULT_SEED = 42;
/** The seed of every sample the choice of k and the topic space draw, whatever --seed says. */
export const SELECTION_SEED = 42;
/**
 * Broad topics as `--k auto` reports them: the fine topics merged by average
 * linkage where the merge heights rise most (true), rather than the broad
 * topics the fine ones were found in (false). Measured with MiniLM vectors,
 * seed 42: on the seeds + OHSUMED the merge gave the 2 subjects (NMI 0.952,
 * ARI 0.981; the split's 5 broad topics 0.342, 0.118), as stable across seeds
 * (ARI 0.983 against 0.805); on OHSUMED's 6-label part the split matched the
 * labels better at the broad level (ARI 0.555 against 0.283 for 2 broad
 * topics), but a corpus of plainly different subjects must come apart first.
 */
export const BROAD_BY_MERGE = true;
/** The most topics `--k N` accepts as sensible for a corpus is not limited; autoKRange is kept for callers that want a range. */
const MAX_AUTO_K = 40;
/** Papers named as a topic's representatives: its most central. */
export const REPRESENTATIVES = 5;
const KEYWORDS = 10;
/** Other seeds the final clustering is run with to measure how stable its topics are. */
const STABILITY_SEEDS = 2;
/**
 * A topic is weak when its keywords come together in fewer papers than chance
 * would have them (NPMI coherence below 0), or when runs from other seeds find
 * it again as a set of papers with Jaccard overlap below 0.5 on average: then
 * it is as much a mix of papers as a topic.
 */
export const WEAK_COHERENCE = 0;
export const WEAK_STABILITY = 0.5;
export const WEAK_RULE = `coherence (NPMI of its top ${KEYWORDS} keywords) below ${WEAK_COHERENCE}, or stability (mean best-match Jaccard with the topics of ${STABILITY_SEEDS} other seeds) below ${WEAK_STABILITY}`;

export interface ClusterOptions {
  k: number | 'auto';
  seed: number;
  /** Fit the topics anew even when the drift since the last fit is small. */
  refit: boolean;
}

/** Topics fitted on every paper, before ids are carried over from an earlier run. */
export type FittedTopics = Omit<Clusters, 'history'>;

const round = (value: number) => Math.round(value * 10_000) / 10_000;
const mean = (values: readonly number[]) => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length);

/** The range `--k auto` searches for a corpus of this many papers. */
export function autoKRange(papers: number): [number, number] {
  return [2, Math.max(2, Math.min(MAX_AUTO_K, Math.floor(Math.sqrt(papers)), papers - 1))];
}

/** Refuses a k that cannot work for this many papers, before any work is done. */
export function checkK(k: number | 'auto', papers: number): void {
  if (k === 'auto') {
    if (papers < 3) throw new UserError(`cannot find topics in ${papers} paper(s): need at least 3; add papers to the inputs`);
  } else if (k > papers) {
    throw new UserError(`--k ${k} is more than the ${papers} papers`);
  }
}

/**
 * Most papers keywords and coherence are taken from. Terms of 50,000
 * abstracts take about 5 s and 400 MB; those of a million would take 8 GB.
 */
export const KEYWORD_SAMPLE = 50_000;
/** Papers of each topic (or all, when fewer) a keyword sample holds at least, so that a small topic is named by its own words. */
const MIN_KEYWORD_PAPERS = 200;

/** The rows keywords are taken from: all papers, or past KEYWORD_SAMPLE a seeded sample of each topic's (and the outliers') papers in proportion, MIN_KEYWORD_PAPERS at least. */
export function keywordSample(memberOf: Int32Array, size = KEYWORD_SAMPLE): Int32Array {
  if (memberOf.length <= size) return Int32Array.from(memberOf.keys());
  const groups = new Map<number, number[]>();
  memberOf.forEach((topic, row) => (groups.get(topic) ?? groups.set(topic, []).get(topic)!).push(row));
  const rate = size / memberOf.length;
  const rows: number[] = [];
  for (const [topic, members] of groups) {
    const take = Math.min(members.length, Math.max(MIN_KEYWORD_PAPERS, Math.round(members.length * rate)));
    for (const index of sampleRows(members.length, take, SELECTION_SEED + topic + 1)) rows.push(members[index]);
  }
  return Int32Array.from(rows).sort();
}

/** Broad topics for given fine ones: the fine topics' centres joined by average linkage, cut where the merge heights rise most. */
function mergedLevels(
  vectors: Float32Array,
  dim: number,
  fine: { k: number; assignments: Int32Array; sampled: boolean },
  broadK?: number,
): Levels & { gaps: { k: number; gap: number }[] } {
  const sizes = new Array<number>(fine.k).fill(0);
  fine.assignments.forEach((topic) => sizes[topic]++);
  const merges = averageLinkage(topicCentres(vectors, dim, fine.assignments, fine.k), dim, sizes);
  const gaps = chooseBroadK(merges, fine.k);
  // a given number of broad topics (that of the reference seed) is cut from this tree as it is
  const chosen = broadK === undefined ? gaps : { k: Math.min(broadK, fine.k), gaps: gaps.gaps };
  const parentOf = Array.from(cutTree(merges, fine.k, chosen.k));
  const within = new Array<number>(chosen.k).fill(0);
  parentOf.forEach((group) => within[group]++);
  return {
    broad: fine.assignments.map((topic) => parentOf[topic]),
    broadK: chosen.k,
    fine: fine.assignments,
    fineK: fine.k,
    parentOf,
    within,
    sampled: fine.sampled,
    gaps: chosen.gaps,
  };
}

/** Topics fitted on all papers: ids 0, 1, ... from the biggest topic down. */
export function fitTopics(papers: readonly Paper[], info: VectorsInfo, vectors: Float32Array, options: ClusterOptions): FittedTopics {
  const dim = info.dim;
  // Topics are found in a PCA projection (see reduce.ts); their centres and figures are taken in the full space.
  // The projection and the choice of k sample papers with SELECTION_SEED, not --seed: how many topics there are
  // is a property of the vectors, and --seed only moves the k-means starts of the topics themselves.
  const space = topicSpace(vectors, dim, SELECTION_SEED);

  let levels: Levels;
  let kSelection: Clusters['kSelection'];
  let kScores: KScore[] = [];
  let broadScores: Clusters['broadScores'] = [];
  let reference: Levels | undefined;
  let referenceBroadK: number | undefined;
  let withinScores: Required<KScore>[][] | undefined;
  if (options.k === 'auto') {
    const auto = autoLevels(space, SELECTION_SEED);
    reference = auto;
    const split = options.seed === SELECTION_SEED ? auto : levelsLike(space, auto, options.seed);
    if (BROAD_BY_MERGE) {
      // the number of broad topics, like that of the fine ones, is chosen on the SELECTION_SEED topics
      referenceBroadK = mergedLevels(vectors, dim, { k: auto.fineK, assignments: auto.fine, sampled: auto.sampled }).broadK;
      const merged = mergedLevels(vectors, dim, { k: split.fineK, assignments: split.fine, sampled: split.sampled }, referenceBroadK);
      levels = merged;
      broadScores = merged.gaps;
    } else {
      levels = split;
    }
    kScores = auto.broadScores;
    withinScores = auto.withinScores;
    const range: [number, number] = [2, auto.broadScores[auto.broadScores.length - 1].k];
    const sample = auto.sampledPapers < papers.length ? `, on a seeded sample of ${auto.sampledPapers} papers` : '';
    kSelection = {
      criterion:
        `${K_CRITERION}: first over all papers, k from ${range[0]} to ${range[1]}${sample}, then within each of those groups of at least ${MIN_SPLIT} papers, on its own papers, k from 2 to the smaller of ${MAX_FINE_K} and the square root of its size; the topics are the groups' parts. ` +
        `Broad topics: ${BROAD_CRITERION}. ` +
        `Samples and subsamples are drawn with the fixed seed ${SELECTION_SEED}, so the numbers of topics follow from the vectors alone; --seed moves the k-means starts (with another seed, each coarse group keeps the number of fine topics of the seed-${SELECTION_SEED} group it overlaps most, and the merge tree is cut into as many broad topics as with seed ${SELECTION_SEED})`,
      searched: range,
      structure: auto.structure,
      chosenFrom: range,
      sampledPapers: auto.sampledPapers,
      broadCriterion: BROAD_CRITERION,
    };
  } else {
    const merged = mergedLevels(vectors, dim, findTopics(space, options.k, options.seed));
    levels = merged;
    broadScores = merged.gaps;
    kSelection = { criterion: 'given with --k', broadCriterion: BROAD_CRITERION };
  }

  const k = levels.fineK;
  const centres = topicCentres(vectors, dim, levels.fine, k);
  const similarities = similarityToOwnTopic(vectors, dim, centres, levels.fine);
  const { topics: figures, outliers } = describeTopics(dim, centres, levels.fine, similarities);

  // Topic 0 is the biggest; ties go to the topic holding the earlier paper. Broad topics likewise, by the papers of their topics.
  const firstPaper = figures.map((figure) => figure.members.reduce((first, row) => Math.min(first, row), Infinity));
  const order = figures.map((_, topic) => topic).sort((a, b) => figures[b].members.length - figures[a].members.length || firstPaper[a] - firstPaper[b]);
  const idOf = new Map(order.map((topic, id) => [topic, id]));
  const broadSizes = new Array<number>(levels.broadK).fill(0);
  const broadFirst = new Array<number>(levels.broadK).fill(Infinity);
  figures.forEach((figure, topic) => {
    broadSizes[levels.parentOf[topic]] += figure.members.length;
    broadFirst[levels.parentOf[topic]] = Math.min(broadFirst[levels.parentOf[topic]], firstPaper[topic]);
  });
  const broadOrder = broadSizes.map((_, group) => group).sort((a, b) => broadSizes[b] - broadSizes[a] || broadFirst[a] - broadFirst[b]);
  const broadIdOf = new Map(broadOrder.map((group, id) => [group, id]));
  const parentOf = order.map((topic) => broadIdOf.get(levels.parentOf[topic])!);

  // Keywords come from the topics' own papers, outliers left out; past KEYWORD_SAMPLE papers, from a sample of them.
  const allMemberOf = new Int32Array(papers.length).fill(-1);
  order.forEach((topic, id) => figures[topic].members.forEach((row) => (allMemberOf[row] = id)));
  const keywordRows = keywordSample(allMemberOf);
  const documents = Array.from(keywordRows, (row) => termsOf(`${papers[row].title}. ${papers[row].abstract}`));
  const memberOf = Int32Array.from(keywordRows, (row) => allMemberOf[row]);
  const keywords = topicKeywords(documents, memberOf, k, KEYWORDS);
  const labels = topicLabels(keywords);
  const coherence = npmiCoherence(
    documents,
    keywords.map((list) => list.map((keyword) => keyword.term)),
  );
  const broadMemberOf = memberOf.map((id) => (id < 0 ? -1 : parentOf[id]));
  const broadKeywords = topicKeywords(documents, broadMemberOf, levels.broadK, KEYWORDS);
  const broadLabels = topicLabels(broadKeywords);
  const broadCoherence = npmiCoherence(
    documents,
    broadKeywords.map((list) => list.map((keyword) => keyword.term)),
  );

  // Stability: the same numbers of topics from other seeds, compared paper by paper with these.
  const otherSeeds = Array.from({ length: STABILITY_SEEDS }, (_, index) => options.seed + 1 + index);
  const others = otherSeeds.map((seed) => {
    if (!reference) return mergedLevels(vectors, dim, findTopics(space, options.k as number, seed));
    const split = levelsLike(space, reference, seed);
    return BROAD_BY_MERGE ? mergedLevels(vectors, dim, { k: split.fineK, assignments: split.fine, sampled: split.sampled }, referenceBroadK) : split;
  });
  const fineIds = levels.fine.map((topic) => idOf.get(topic)!);
  const stability = seedStability(
    fineIds,
    k,
    others.map((other) => ({ assignments: other.fine, k: other.fineK })),
  );
  const broadAri = others.map((other) => round(adjustedRand(levels.broad, other.broad)));

  const sizes = order.map((topic) => figures[topic].members.length);
  const topics = order.map((topic, id) => {
    const figure = figures[topic];
    return {
      id,
      label: labels[id],
      keywords: keywords[id].map((keyword) => keyword.term),
      size: figure.members.length,
      cohesion: round(figure.cohesion),
      nearestTopic: figure.nearestTopic ? { id: idOf.get(figure.nearestTopic.topic)!, similarity: round(figure.nearestTopic.similarity) } : null,
      representatives: figure.members.slice(0, REPRESENTATIVES).map((row) => papers[row].id),
      paperIds: figure.members.map((row) => papers[row].id),
      parent: parentOf[id],
      coherence: round(coherence[id]),
      stability: round(stability.perTopic[id]),
      weak: coherence[id] < WEAK_COHERENCE || stability.perTopic[id] < WEAK_STABILITY,
    };
  });
  const broadTopics: BroadTopic[] = broadOrder.map((group, id) => ({
    id,
    label: broadLabels[id],
    keywords: broadKeywords[id].map((keyword) => keyword.term),
    size: broadSizes[group],
    topicIds: topics.filter((topic) => topic.parent === id).map((topic) => topic.id),
    coherence: round(broadCoherence[id]),
    ...(withinScores ? { kScores: withinScores[group] } : {}),
  }));
  const weighted = (values: readonly number[]) =>
    values.reduce((sum, value, id) => sum + value * sizes[id], 0) /
    Math.max(
      1,
      sizes.reduce((a, b) => a + b, 0),
    );

  return {
    k,
    seed: options.seed,
    method:
      `spherical k-means (ml-kmeans from k-means++ seeds, best of ${RESTARTS} restarts) ${space.dim < dim ? `in a ${TOPIC_DIMS}-dimension PCA projection of the vectors` : 'on the vectors'}${levels.sampled ? `, centres fitted on a seeded sample of ${KMEANS_SAMPLE} papers` : ''}; every paper in the topic of its nearest centre; cohesion, representatives and outliers measured on the full vectors; ` +
      (options.k === 'auto' ? 'topics by k-means within each of the most stable coarse k-means groups; ' : '') +
      `broad topics: the topics' centres joined by average linkage (UPGMA, cosine distance, weighted by size)` +
      (keywordRows.length < papers.length
        ? `; keywords and coherence from a seeded sample of ${keywordRows.length} papers, each topic's in proportion (at least ${MIN_KEYWORD_PAPERS} of each)`
        : ''),
    kSelection,
    kScores,
    model: info.model,
    vectorsHash: info.vectorsHash,
    outlierRule: OUTLIER_RULE,
    topics,
    outliers: outliers.map((outlier) => ({ id: papers[outlier.row].id, nearestTopic: idOf.get(outlier.topic)!, similarity: round(outlier.similarity) })),
    broadTopics,
    broadScores,
    quality: {
      labelDiversity: { topics: round(labelDiversity(labels)), broadTopics: round(labelDiversity(broadLabels)) },
      keywordDiversity: round(keywordDiversity(topics.map((topic) => topic.keywords))),
      coherence: { topics: round(weighted(coherence)), broadTopics: round(mean(broadCoherence)) },
      stability: {
        seeds: otherSeeds,
        ari: stability.ari.map(round),
        meanAri: round(mean(stability.ari)),
        meanTopicJaccard: round(weighted(stability.perTopic)),
        broadAri,
      },
      weakRule: WEAK_RULE,
      weakTopics: topics.filter((topic) => topic.weak).length,
    },
  };
}
