import { idFinder } from '../shared/ids.js';
import type { VectorBlocks } from '../shared/vectors.js';
import type { BroadTopic, Clusters, Topic } from '../store/schemas.js';
import { assignToNearest, centresOf, topicSums } from './kmeans.js';
import { similarityToOwnTopicOver, topicSumsOver } from './passes.js';
import { describeTopics } from './topics.js';
import { REPRESENTATIVES } from './fit.js';

/**
 * The topics are fitted anew once the papers added, changed and removed since
 * the last fit reach this share of the papers it was fitted on. Below it, new
 * papers join the nearest topic and the topics keep their meaning; a day of
 * arXiv (500 to 2,000 papers) on a map of 1,000,000 moves it by 0.2% at most,
 * so a nightly map refits after months, and a map that doubled refits at once.
 */
export const DRIFT_THRESHOLD = 0.25;

/** Where the current papers stand against the last run's topics. */
export interface SinceLastRun {
  /** The index in `previous.topics` of each paper kept as it was (same id, same vector); -1 for a paper added or changed. */
  kept: Int32Array;
  added: number;
  changed: number;
  removed: number;
  /** Drift since the last fit, this run's papers counted in. */
  drift: number;
}

/** Compares the current papers with those the last run put in topics, by id and vector fingerprint. */
export function compareWithLastRun(previous: Clusters, paperIds: readonly string[], fingerprints: readonly string[]): SinceLastRun {
  const place = new Map<number, number>(previous.topics.map((topic, index) => [topic.id, index]));
  const topicOf = new Map<string, number>();
  previous.topics.forEach((topic, index) => topic.paperIds.forEach((id) => topicOf.set(id, index)));
  for (const outlier of previous.outliers) topicOf.set(outlier.id, place.get(outlier.nearestTopic)!);
  const { ids, fingerprints: fingerprintsBefore } = previous.history.papers;
  const placeBefore = idFinder(ids);

  const kept = new Int32Array(paperIds.length).fill(-1);
  let added = 0;
  let changed = 0;
  let inPlace = 0;
  paperIds.forEach((id, row) => {
    const before = placeBefore(id, row);
    const fingerprint = before === undefined ? undefined : fingerprintsBefore[before];
    if (before === row) inPlace++;
    if (fingerprint === undefined) added++;
    else if (fingerprint !== fingerprints[row]) changed++;
    else kept[row] = topicOf.get(id) ?? -1;
  });
  const current = inPlace === ids.length ? undefined : new Set(paperIds);
  const removed = current ? ids.reduce((sum, id) => sum + (current.has(id) ? 0 : 1), 0) : 0;
  const { sinceFit, fittedPapers } = previous.history;
  const drift = (sinceFit.added + sinceFit.changed + sinceFit.removed + added + changed + removed) / Math.max(1, fittedPapers);
  return { kept, added, changed, removed, drift };
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

/**
 * The last run's topics with the new and changed papers put in them: each
 * joins the topic whose centre (the mean of the topic's kept papers, full
 * vectors) is nearest; kept papers stay where they were. Labels, keywords,
 * broad topics and quality figures are those of the fit, which the topics
 * keep meaning; sizes, members, representatives, cohesion and outliers are
 * measured again. A topic left with no paper dies. Two passes over the
 * vectors (the kept papers' sums, each paper's similarity) and the new
 * papers' vectors read alone.
 */
export function assignToTopics(
  previous: Clusters,
  since: SinceLastRun,
  ids: readonly string[],
  vectors: VectorBlocks,
): Omit<Clusters, 'history' | 'overTime'> & { deaths: number[]; topicOfRow: Int32Array } {
  const dim = vectors.dim;
  const slots = previous.topics.length;
  const assignments = Int32Array.from(since.kept);
  const [sums] = topicSumsOver(vectors, [{ assignments, k: slots }]);
  const keptCentres = centresOf(sums, dim);
  const keptSizes = new Int32Array(slots);
  const newRows: number[] = [];
  assignments.forEach((slot, row) => (slot < 0 ? newRows.push(row) : keptSizes[slot]++));
  const living = previous.topics.flatMap((_, slot) => (keptSizes[slot] > 0 ? [slot] : []));
  const livingCentres = new Float32Array(living.length * dim);
  living.forEach((slot, index) => livingCentres.set(keptCentres.subarray(slot * dim, (slot + 1) * dim), index * dim));
  const newVectors = vectors.rows(newRows);
  assignToNearest(newVectors, dim, livingCentres).assignments.forEach((index, position) => (assignments[newRows[position]] = living[index]));

  // figures over the living topics only, numbered 0.. in `living` order
  const compact = new Int32Array(slots).fill(-1);
  living.forEach((slot, index) => (compact[slot] = index));
  const local = assignments.map((slot) => compact[slot]);
  // the kept papers' sums with the new papers added: the centres of every paper without a second pass over all of them
  topicSums(
    newVectors,
    dim,
    Int32Array.from(newRows, (row) => assignments[row]),
    slots,
    undefined,
    sums,
  );
  const centres = centresOf(Float64Array.from(living.flatMap((slot) => Array.from(sums.subarray(slot * dim, (slot + 1) * dim)))), dim);
  const { topics: figures, outliers } = describeTopics(dim, centres, local, similarityToOwnTopicOver(vectors, centres, local));
  const idOf = (index: number) => previous.topics[living[index]].id;
  // each paper's topic id by row (-1 for an outlier), for counting topics over time without a map of a million ids
  const topicOfRow = new Int32Array(ids.length).fill(-1);
  figures.forEach((figure, index) => {
    for (const row of figure.members) topicOfRow[row] = idOf(index);
  });

  const topics: Topic[] = figures
    .map((figure, index) => {
      const before = previous.topics[living[index]];
      return {
        ...before,
        size: figure.members.length,
        cohesion: round(figure.cohesion),
        nearestTopic: figure.nearestTopic ? { id: idOf(figure.nearestTopic.topic), similarity: round(figure.nearestTopic.similarity) } : null,
        representatives: figure.members.slice(0, REPRESENTATIVES).map((row) => ids[row]),
        paperIds: figure.members.map((row) => ids[row]),
      };
    })
    .sort((a, b) => b.size - a.size || a.id - b.id);
  const livingIds = new Set(topics.map((topic) => topic.id));
  const broadTopics: BroadTopic[] = previous.broadTopics
    .map((broad) => {
      const topicIds = topics.filter((topic) => topic.parent === broad.id).map((topic) => topic.id);
      return { ...broad, topicIds, size: topics.filter((topic) => topic.parent === broad.id).reduce((sum, topic) => sum + topic.size, 0) };
    })
    .filter((broad) => broad.topicIds.length > 0)
    .sort((a, b) => b.size - a.size || a.id - b.id);
  return {
    ...previous,
    k: topics.length,
    topics,
    outliers: outliers.map((outlier) => ({ id: ids[outlier.row], nearestTopic: idOf(outlier.topic), similarity: round(outlier.similarity) })),
    broadTopics,
    quality: { ...previous.quality, weakTopics: topics.filter((topic) => topic.weak).length },
    deaths: previous.topics.filter((topic) => !livingIds.has(topic.id)).map((topic) => topic.id),
    topicOfRow,
  };
}
