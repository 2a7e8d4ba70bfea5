import type { Neighbours } from '../store/neighbours.js';
import type { PaperTitle } from '../store/read.js';
import type { Clusters } from '../store/schemas.js';

/** How many of a new paper's nearest older papers changes.json names. */
const NEAREST_OLDER = 3;
/** How many of the topics that grew the most it names. */
const GROWN_TOPICS = 5;

interface PaperRef {
  id: string;
  title: string;
}

/** changes.json: what changed since the previous run, readable as a nightly digest. */
export interface Changes {
  /** The corpus the changes are counted from; null on a first run, when every paper is new and none is listed. */
  since: { papers: number; topics: number | null } | null;
  counts: { papers: number; added: number; changed: number; removed: number };
  /** New papers (and papers whose title or abstract changed), each with its topic (null: an outlier) and its nearest older papers. */
  added: (PaperRef & { topic: number | null; nearestOlder: (PaperRef & { score: number })[] })[];
  changed: (PaperRef & { topic: number | null })[];
  removed: PaperRef[];
  topics: {
    /** Topics by papers gained, most first: each topic against the earlier topic it shares most papers with. */
    grewMost: { id: number; label: string; before: number; after: number }[];
    births: number[];
    deaths: number[];
    merges: { into: number; from: number[] }[];
    splits: { from: number; into: number[] }[];
    /** Why the topics were fitted anew in this run; null when new papers joined the earlier topics. */
    refit: string | null;
  };
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

/** The previous run's papers, and how to tell whether a paper both runs have has changed. */
export interface PreviousPapers {
  papers: readonly PaperTitle[];
  /** Whether the current paper at `row`, whose id the previous run had, has another title or abstract now. */
  changed: (row: number) => boolean;
}

/**
 * What changed from the previous papers and topics to the current ones. A
 * paper is added when its id is new, changed when its title or abstract
 * differs, removed when its id is gone. Topic ids keep their meaning across
 * runs, so a topic's growth is against the earlier topic of its id; births,
 * deaths, merges and splits are those the cluster stage recorded.
 */
export function changesSince(
  previous: { papers: PreviousPapers; clusters: Clusters | undefined } | undefined,
  papers: readonly PaperTitle[],
  clusters: Clusters,
  topicOf: Int32Array,
  neighbours: Neighbours,
): Changes {
  if (!previous) {
    const topics = { grewMost: [], births: [], deaths: [], merges: [], splits: [], refit: null };
    return { since: null, counts: { papers: papers.length, added: papers.length, changed: 0, removed: 0 }, added: [], changed: [], removed: [], topics };
  }
  const earlier = previous.papers.papers;
  // most nights only add papers after the last run's, in the same order: ids are then looked up only past them
  const inPlace = earlier.length <= papers.length && earlier.every((paper, row) => papers[row].id === paper.id);
  const before = inPlace ? undefined : new Set(earlier.map((paper) => paper.id));
  const current = inPlace ? undefined : new Set(papers.map((paper) => paper.id));
  const isNew = new Uint8Array(papers.length);
  const changedRows: number[] = [];
  papers.forEach((paper, row) => {
    if (before ? !before.has(paper.id) : row >= earlier.length) isNew[row] = 1;
    else if (previous.papers.changed(row)) changedRows.push(row);
  });
  const ref = (row: number): PaperRef => ({ id: papers[row].id, title: papers[row].title });
  const topic = (row: number) => (topicOf[row] >= 0 ? topicOf[row] : null);
  const added = papers.flatMap((_, row) => {
    if (!isNew[row]) return [];
    const nearestOlder: (PaperRef & { score: number })[] = [];
    for (let slot = 0; slot < neighbours.k && nearestOlder.length < NEAREST_OLDER; slot++) {
      const other = neighbours.labels[row * neighbours.k + slot];
      if (other >= 0 && !isNew[other]) nearestOlder.push({ ...ref(other), score: round(neighbours.scores[row * neighbours.k + slot]) });
    }
    return [{ ...ref(row), topic: topic(row), nearestOlder }];
  });
  // topic ids keep their meaning across runs: a topic is compared with the earlier topic of its id
  const sizeBefore = new Map((previous.clusters?.topics ?? []).map((entry) => [entry.id, entry.size]));
  const grewMost = clusters.topics
    .map((entry) => ({ id: entry.id, label: entry.label, before: sizeBefore.get(entry.id) ?? 0, after: entry.size }))
    .filter((entry) => entry.after > entry.before)
    .sort((a, b) => b.after - b.before - (a.after - a.before) || a.id - b.id)
    .slice(0, GROWN_TOPICS);
  // the cluster stage recorded how its topics continue those of the clusters.json it replaced, which is the previous one here
  const lineage = (previous.clusters && clusters.history.lineage) ?? { births: [], deaths: [], merges: [], splits: [] };
  const removed = current ? earlier.filter((paper) => !current.has(paper.id)).map((paper) => ({ id: paper.id, title: paper.title })) : [];
  return {
    since: { papers: earlier.length, topics: previous.clusters ? previous.clusters.topics.length : null },
    counts: { papers: papers.length, added: added.length, changed: changedRows.length, removed: removed.length },
    added,
    changed: changedRows.map((row) => ({ ...ref(row), topic: topic(row) })),
    removed,
    topics: { ...lineage, grewMost, refit: clusters.history.run === 'fitted' ? clusters.history.reason : null },
  };
}
