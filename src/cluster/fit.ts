import { UserError } from '../shared/errors.js';
import { sampleRows } from '../shared/random.js';
import type { VectorBlocks } from '../shared/vectors.js';
import type { Paper } from '../store/read.js';
import type { BroadTopic, Clusters, MiddleTopic, Topic, VectorsInfo } from '../store/schemas.js';
import { adjustedRand } from './agreement.js';
import { similarityToOwnTopicOver, topicCentresOver, type Grouping } from './passes.js';
import { describedRows, fineTopicOfPapers, labelLevels, type LevelWords, type PaperTexts, type PhraseEmbedder } from './words.js';
import { findTopics, KMEANS_SAMPLE, RESTARTS, type FoundTopics } from './levels.js';
import { keywordDiversity, labelDiversity } from './quality.js';
import { topicSpace, TOPIC_DIMS } from './reduce.js';
import { READING_SCALE, readingCount, reproducibility, resolutionAt, type Resolution } from './resolution.js';
import { BROAD_CRITERION, topicTree, type Tree } from './tree.js';
import { describeTopics, OUTLIER_RULE, type TopicFigures } from './topics.js';
import { howChosen } from './sentence.js';

export const DEFAULT_SEED = 42;
/** The seed of every sample the choice of the number of topics and the topic space draw, whatever --seed says. */
export const SELECTION_SEED = 42;
/** Papers named as a topic's representatives: its most central. */
export const REPRESENTATIVES = 5;
/** Other seeds the final topics are fitted with to measure how much --seed moves them. */
const STABILITY_SEEDS = 2;
/**
 * A topic is weak when its top terms come together in fewer papers than
 * chance would have them (NPMI coherence of its top 10 c-TF-IDF terms below
 * 0): then it is as much a mix of papers as a topic. Of the rules measured
 * (docs/quality.md: subsample stability by best-match Jaccard, Hennig's
 * thresholds, a chance-corrected Jaccard, pairs kept together, thresholds
 * from the topics' own spread), this one told topics mixed from several
 * labels from pure ones best on six labelled corpora, while flagging a
 * minority; subsample stability barely did.
 */
export const WEAK_COHERENCE = 0;
export const WEAK_RULE = `coherence (NPMI of its top 10 c-TF-IDF terms over the papers) below ${WEAK_COHERENCE}: its top terms seldom share a paper`;

export interface ClusterOptions {
  /** Fine topics: chosen (auto) or given. */
  k: number | 'auto';
  /** Broad topics: chosen (auto) or given. */
  broad: number | 'auto';
  seed: number;
  /** Fit the topics anew even when the drift since the last fit is small. */
  refit: boolean;
}

/** Topics fitted on every paper, before ids are carried over from an earlier run. */
export type FittedTopics = Omit<Clusters, 'history' | 'overTime'>;

const round = (value: number) => Math.round(value * 10_000) / 10_000;
const mean = (values: readonly number[]) => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length);

/** Refuses topic counts that cannot work for this many papers, before any work is done. */
export function checkK(k: number | 'auto', papers: number, broad: number | 'auto' = 'auto'): void {
  if (papers < 3) throw new UserError(`cannot find topics in ${papers} paper(s): need at least 3; add papers to the inputs`);
  if (k !== 'auto' && k > papers) throw new UserError(`--k ${k} is more than the ${papers} papers; give at most ${papers}, or --k auto`);
  if (broad !== 'auto' && broad > papers) throw new UserError(`--broad ${broad} is more than the ${papers} papers; give at most ${papers}, or --broad auto`);
  if (broad !== 'auto' && k !== 'auto' && broad > k) throw new UserError(`--broad ${broad} is more than the ${k} fine topics of --k ${k}; give at most ${k}`);
}

/**
 * Most papers keywords and coherence are taken from. Terms of 50,000
 * abstracts take about 5 s and 400 MB; those of a million would take 8 GB.
 */
export const KEYWORD_SAMPLE = 50_000;
/** Papers of each topic (or all, when fewer) a keyword sample holds at least, so that a small topic is named by its own words. */
export const MIN_KEYWORD_PAPERS = 200;

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

/**
 * The fit the number of broad topics is judged on when --seed is not
 * SELECTION_SEED (like the fine count, so that every --seed gives the same);
 * none when --broad gives it or the fit itself is that one.
 */
function broadReference(space: { vectors: Float32Array; dim: number }, k: number, options: ClusterOptions): Grouping | undefined {
  if (options.broad !== 'auto' || options.seed === SELECTION_SEED) return undefined;
  return findTopics(space, k, SELECTION_SEED);
}

/** The number of broad topics: given, or judged on the reference fit (its topics' centres), or undefined for the fit's own tree to judge. */
function broadCount(reference: { fit: Grouping; centres: Float32Array } | undefined, dim: number, papers: number, options: ClusterOptions): number | undefined {
  if (options.broad !== 'auto') return options.broad;
  return reference && topicTree(reference.centres, dim, reference.fit.assignments, reference.fit.k, papers).broadK;
}

/** Ids from the biggest topic down (ties to the topic holding the earlier paper), for fine, middle and broad topics alike. */
function idsBySize(sizes: readonly number[], firstPaper: readonly number[]): number[] {
  const order = sizes.map((_, group) => group).sort((a, b) => sizes[b] - sizes[a] || firstPaper[a] - firstPaper[b]);
  const ids = new Array<number>(sizes.length);
  order.forEach((group, id) => (ids[group] = id));
  return ids;
}

/** Sizes and first papers of groups made of fine topics. */
function groupSizes(figures: readonly TopicFigures[], groupOf: readonly number[], groups: number): { sizes: number[]; first: number[] } {
  const sizes = new Array<number>(groups).fill(0);
  const first = new Array<number>(groups).fill(Infinity);
  figures.forEach((figure, topic) => {
    sizes[groupOf[topic]] += figure.members.length;
    first[groupOf[topic]] = Math.min(first[groupOf[topic]], ...figure.members);
  });
  return { sizes, first };
}

/** Each level's groups renumbered by size: the id of every fine, middle and broad topic, and each fine topic's parents by id. */
export interface Layout {
  fineId: number[];
  broadId: number[];
  middleId: number[];
  /** By fine id: its broad id and middle id (-1 without a middle level). */
  parent: number[];
  middle: number[];
  /** By middle id: its broad id. */
  middleParent: number[];
}

function layoutOf(figures: readonly TopicFigures[], tree: Tree): Layout {
  const fine = groupSizes(
    figures,
    figures.map((_, topic) => topic),
    figures.length,
  );
  const fineId = idsBySize(fine.sizes, fine.first);
  const broad = groupSizes(figures, tree.broadOf, tree.broadK);
  const broadId = idsBySize(broad.sizes, broad.first);
  const middle = groupSizes(figures, tree.middleOf, tree.middleK);
  const middleId = idsBySize(middle.sizes, middle.first);
  const parent = new Array<number>(figures.length);
  const middleOfId = new Array<number>(figures.length).fill(-1);
  figures.forEach((_, topic) => {
    parent[fineId[topic]] = broadId[tree.broadOf[topic]];
    if (tree.middleK > 0) middleOfId[fineId[topic]] = middleId[tree.middleOf[topic]];
  });
  const middleParent = new Array<number>(tree.middleK);
  tree.middleParent.forEach((broadGroup, group) => (middleParent[middleId[group]] = broadId[broadGroup]));
  return { fineId, broadId, middleId, parent, middle: middleOfId, middleParent };
}

/** The seeds the final topics are fitted again with to measure how much --seed moves them. */
const stabilitySeeds = (options: ClusterOptions) => Array.from({ length: STABILITY_SEEDS }, (_, index) => options.seed + 1 + index);

/** How much the topics move with the seed (the fits of stabilitySeeds and their topics' centres), and how well each comes back in the subsample fits. */
function measureStability(
  dim: number,
  found: { k: number; assignments: Int32Array },
  tree: Tree,
  fits: readonly { fit: Grouping; centres: Float32Array }[],
  resolution: Resolution,
  options: ClusterOptions,
) {
  const seeds = stabilitySeeds(options);
  const broadOfPaper = (fine: Int32Array, broadOf: readonly number[]) => fine.map((topic) => broadOf[topic]);
  const mine = broadOfPaper(found.assignments, tree.broadOf);
  const others = fits.map(({ fit: other, centres }) => {
    const otherTree = topicTree(centres, dim, other.assignments, other.k, found.assignments.length, tree.broadK);
    return { ari: adjustedRand(found.assignments, other.assignments), broadAri: adjustedRand(mine, broadOfPaper(other.assignments, otherTree.broadOf)) };
  });
  const judgedLabels = Int32Array.from(resolution.judged.rows, (row) => found.assignments[row]);
  return { seeds, others, perTopic: reproducibility(judgedLabels, found.k, resolution.fits) };
}

/** The number of topics k-means is asked for: what --k or the corpus's size asks for, at least --broad. */
export function kmeansTopics(papers: number, options: Pick<ClusterOptions, 'k' | 'broad'>): number {
  const k = options.k === 'auto' ? readingCount(papers) : options.k;
  return options.broad === 'auto' ? k : Math.max(k, options.broad);
}

/** The titles and abstracts of the papers at some rows (distinct, ascending), in that order. */
export type ReadTexts = (rows: Int32Array) => Pick<Paper, 'title' | 'abstract'>[];

/**
 * The papers as labelling reads them: the titles and abstracts of the papers
 * keywords are taken from (keywordSample's, drawn here once) and of
 * those a description may name, read in one pass; past KEYWORD_SAMPLE
 * papers the others' are text nothing reads (over a gigabyte at a million
 * papers, and their titles 0.1 GB).
 */
function paperTexts(count: number, readTexts: ReadTexts, figures: readonly TopicFigures[], layout: Layout): PaperTexts {
  const keywordRows = keywordSample(fineTopicOfPapers(count, figures, layout));
  const rows = Int32Array.from(new Set([...keywordRows, ...describedRows(figures)])).sort();
  const read = readTexts(rows);
  const texts = new Map<number, Pick<Paper, 'title' | 'abstract'>>();
  rows.forEach((row, index) => texts.set(row, read[index]));
  return {
    count,
    keywordRows,
    text: (row) => {
      const text = texts.get(row);
      // an empty text in its place would change the labels without a word
      if (text === undefined)
        throw new Error(`the text of paper ${row + 1} was not read: labelling reads other papers than keywordSample's and describedRows'`);
      return text;
    },
  };
}

/**
 * Every fit made in the topic space: the resolution judged, the topics, the
 * stability fits and the broad reference fit. The space (0.2 KB a paper) is
 * let go once they are made, before labelling's peak.
 */
function fitsInTopicSpace(vectors: VectorBlocks, papers: number, options: ClusterOptions, assigned: FoundTopics | undefined) {
  // Topics are found in a PCA projection (reduce.ts) and measured in the full space. How many there are is
  // judged with SELECTION_SEED, not --seed: it is a property of the vectors; --seed moves the k-means starts.
  const space = topicSpace(vectors, SELECTION_SEED);
  const resolution = resolutionAt(space, options.k === 'auto' ? readingCount(papers) : options.k, SELECTION_SEED);
  const found = assigned ?? findTopics(space, kmeansTopics(papers, options), options.seed);
  // every fit whose topics' centres are wanted is made in the topic space first, so that one pass over the vectors sums them all
  const reference = broadReference(space, found.k, options);
  const others = stabilitySeeds(options).map((seed) => findTopics(space, found.k, seed));
  return { resolution, found, others, reference, projected: space.dim < vectors.dim };
}

/**
 * Topics fitted on all papers: ids 0, 1, ... from the biggest topic down, at
 * each level, for the papers of `ids` (by row). `readTexts` reads the titles and abstracts labelling reads.
 * `assigned`: each paper's topic as cluster tasks found it (shards.ts), which
 * is what k-means here would find.
 */
export async function fitTopics(
  ids: readonly string[],
  readTexts: ReadTexts,
  info: VectorsInfo,
  vectors: VectorBlocks,
  options: ClusterOptions,
  embed?: PhraseEmbedder,
  assigned?: FoundTopics,
): Promise<FittedTopics> {
  const dim = info.dim;
  const auto = options.k === 'auto';
  const { resolution, found, others, reference, projected } = fitsInTopicSpace(vectors, ids.length, options, assigned);
  const fits = [found, ...others, ...(reference ? [reference] : [])];
  const centresOfFits = topicCentresOver(vectors, fits).map((centres, index) => ({ fit: fits[index], centres }));
  const centres = centresOfFits[0].centres;
  const tree = topicTree(centres, dim, found.assignments, found.k, ids.length, broadCount(centresOfFits[others.length + 1], dim, ids.length, options));
  const { topics: figures, outliers } = describeTopics(dim, centres, found.assignments, similarityToOwnTopicOver(vectors, centres, found.assignments));
  const layout = layoutOf(figures, tree);
  const words = await labelLevels(paperTexts(ids.length, readTexts, figures, layout), vectors, figures, layout, tree, embed);
  const stability = measureStability(dim, found, tree, centresOfFits.slice(1, others.length + 1), resolution, options);
  const topics = fineTopics(ids, figures, layout, words.fine, stability.perTopic);
  const sizes = topics.map((topic) => topic.size);
  const weighted = (values: readonly number[]) => values.reduce((sum, value, id) => sum + value * sizes[id], 0) / Math.max(1, ids.length - outliers.length);
  const broadTopics = groupTopics(topics, words.broad, (topic) => topic.parent) as BroadTopic[];
  const middleTopics = tree.middleK > 0 ? middleTopicsOf(topics, words.middle!, layout) : undefined;
  const weakTopics = topics.filter((topic) => topic.weak).length;
  const summary = howChosen({
    papers: ids.length,
    sizes,
    broad: broadTopics.length,
    middle: middleTopics?.length ?? 0,
    weak: weakTopics,
    resolution,
    options,
  });
  return {
    k: found.k,
    seed: options.seed,
    method: methodOf(projected, found.sampled, words),
    kSelection: auto
      ? {
          criterion: `sized for reading: ${READING_SCALE} x the cube root of the ${ids.length} papers; topics whose top terms seldom share a paper are flagged weak`,
          searched: [resolution.k, resolution.k],
          structure: resolution.agreement >= 0.75 ? 'clear' : 'weak',
          chosenFrom: [resolution.k, resolution.k],
          sampledPapers: resolution.judged.rows.length,
          broadCriterion: options.broad === 'auto' ? BROAD_CRITERION : `given with --broad ${options.broad}`,
          summary,
        }
      : { criterion: 'given with --k', broadCriterion: options.broad === 'auto' ? BROAD_CRITERION : `given with --broad ${options.broad}`, summary },
    kScores: [{ k: resolution.k, stability: resolution.agreement }],
    model: info.model,
    vectorsHash: info.vectorsHash,
    outlierRule: OUTLIER_RULE,
    topics,
    outliers: outliers.map((outlier) => ({ id: ids[outlier.row], nearestTopic: layout.fineId[outlier.topic], similarity: round(outlier.similarity) })),
    broadTopics,
    ...(middleTopics ? { middleTopics } : {}),
    broadScores: tree.gaps,
    quality: {
      labelDiversity: {
        topics: round(labelDiversity(topics.map((topic) => topic.label))),
        broadTopics: round(labelDiversity(broadTopics.map((topic) => topic.label))),
      },
      keywordDiversity: round(keywordDiversity(topics.map((topic) => topic.keywords))),
      coherence: { topics: round(weighted(topics.map((topic) => topic.coherence))), broadTopics: round(mean(broadTopics.map((topic) => topic.coherence))) },
      stability: {
        seeds: stability.seeds,
        ari: stability.others.map((other) => round(other.ari)),
        meanAri: round(mean(stability.others.map((other) => other.ari))),
        meanTopicJaccard: round(weighted(topics.map((topic) => topic.stability))),
        broadAri: stability.others.map((other) => round(other.broadAri)),
      },
      weakRule: WEAK_RULE,
      weakTopics,
    },
  };
}

function methodOf(projected: boolean, sampled: boolean, words: { labelMethod: string; sampled: number | undefined }): string {
  return (
    `spherical k-means (k-means++ starts, best of ${RESTARTS}) ${projected ? `in a ${TOPIC_DIMS}-dimension PCA projection of the vectors` : 'on the vectors'}` +
    `${sampled ? `, centres fitted on a seeded sample of ${KMEANS_SAMPLE} papers` : ''}; every paper in the topic of its nearest centre; cohesion, representatives and outliers measured on the full vectors; ` +
    `broad topics: the topics' centres joined by average linkage (UPGMA, cosine distance, weighted by size); labels: ${words.labelMethod}` +
    (words.sampled !== undefined ? `; keywords and coherence from a seeded sample of ${words.sampled} papers, each topic's in proportion` : '')
  );
}

/** The fine topics in id order, with their figures, words and stability. */
function fineTopics(ids: readonly string[], figures: readonly TopicFigures[], layout: Layout, words: LevelWords, stability: readonly number[]): Topic[] {
  const byId = new Array<number>(figures.length);
  layout.fineId.forEach((id, topic) => (byId[id] = topic));
  return byId.map((topic, id) => {
    const figure = figures[topic];
    return {
      id,
      label: words.labels[id],
      description: words.descriptions[id],
      keywords: words.keywords[id],
      size: figure.members.length,
      cohesion: round(figure.cohesion),
      nearestTopic: figure.nearestTopic ? { id: layout.fineId[figure.nearestTopic.topic], similarity: round(figure.nearestTopic.similarity) } : null,
      representatives: figure.members.slice(0, REPRESENTATIVES).map((row) => ids[row]),
      paperIds: figure.members.map((row) => ids[row]),
      parent: layout.parent[id],
      ...(layout.middle[id] >= 0 ? { middle: layout.middle[id] } : {}),
      coherence: round(words.coherence[id]),
      stability: round(stability[topic]),
      weak: words.coherence[id] < WEAK_COHERENCE,
    };
  });
}

/** Broad (or middle) topics in id order: their words, size and fine topics. */
function groupTopics(topics: readonly Topic[], words: LevelWords, groupOf: (topic: Topic) => number) {
  return words.labels.map((label, id) => {
    const members = topics.filter((topic) => groupOf(topic) === id);
    return {
      id,
      label,
      description: words.descriptions[id],
      keywords: words.keywords[id],
      size: members.reduce((sum, topic) => sum + topic.size, 0),
      topicIds: members.map((topic) => topic.id),
      coherence: round(words.coherence[id]),
    };
  });
}

function middleTopicsOf(topics: readonly Topic[], words: LevelWords, layout: Layout): MiddleTopic[] {
  return groupTopics(topics, words, (topic) => topic.middle ?? -1).map((group, id) => ({ ...group, parent: layout.middleParent[id] }));
}
