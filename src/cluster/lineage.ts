import { linearSumAssignment } from 'linear-sum-assignment';
import type { Clusters, Lineage } from '../store/schemas.js';
import type { FittedTopics } from './fit.js';

/** A topic as the lineage sees it: an id and the papers it holds. */
export interface TopicMembers {
  id: number;
  paperIds: readonly string[];
}

export interface Matching extends Lineage {
  /** The stable id of each new topic, in the order given. */
  ids: number[];
  /** The next id never used: ids of topics that died are never given again. */
  nextId: number;
}

/** A new topic that holds at least this share of an old topic's remaining papers took it in (merges). */
const ABSORBED = 0.5;
/** An old topic is split when at least two new topics each hold this share of its remaining papers. */
const SPLIT_PART = 0.3;

/**
 * Gives refitted topics the ids of the topics they continue. The new topics
 * and the old are matched one to one so that the papers they share are as many
 * as possible (an optimal assignment: Jonker-Volgenant, linear-sum-assignment);
 * a new topic matched to an old one it shares papers with takes that id, any
 * other gets a fresh id that was never used. Old topics left without a match
 * died. Papers that left the corpus count for neither side.
 */
export function matchTopics(previous: readonly TopicMembers[], current: readonly (readonly string[])[], nextId: number): Matching {
  const oldTopic = new Map<string, number>();
  previous.forEach((topic, index) => topic.paperIds.forEach((id) => oldTopic.set(id, index)));
  // shared[c][p]: papers new topic c and old topic p have in common
  const shared = current.map(() => new Float64Array(previous.length));
  const remaining = new Float64Array(previous.length);
  current.forEach((paperIds, c) => {
    for (const id of paperIds) {
      const p = oldTopic.get(id);
      if (p === undefined) continue;
      shared[c][p]++;
      remaining[p]++;
    }
  });
  const ids: number[] = new Array(current.length).fill(-1);
  const matched = new Set<number>();
  if (current.length > 0 && previous.length > 0) {
    const { rowAssignments } = linearSumAssignment(
      shared.map((row) => Array.from(row)),
      { maximaze: true },
    );
    rowAssignments.forEach((p, c) => {
      if (p >= 0 && shared[c][p] > 0) {
        ids[c] = previous[p].id;
        matched.add(p);
      }
    });
  }
  const births: number[] = [];
  for (let c = 0; c < current.length; c++) {
    if (ids[c] >= 0) continue;
    ids[c] = nextId++;
    births.push(ids[c]);
  }
  const deaths = previous.filter((_, p) => !matched.has(p)).map((topic) => topic.id);
  const merges: Matching['merges'] = [];
  current.forEach((_, c) => {
    const from = previous.flatMap((topic, p) => (remaining[p] > 0 && shared[c][p] >= ABSORBED * remaining[p] ? [topic.id] : []));
    if (from.length >= 2) merges.push({ into: ids[c], from });
  });
  const splits: Matching['splits'] = [];
  previous.forEach((topic, p) => {
    const into = current.flatMap((_, c) => (remaining[p] > 0 && shared[c][p] >= SPLIT_PART * remaining[p] ? [ids[c]] : []));
    if (into.length >= 2) splits.push({ from: topic.id, into });
  });
  return { ids, nextId, births, deaths, merges, splits };
}

/**
 * Freshly fitted topics given the ids of the earlier topics they continue,
 * fine and broad topics alike (matchTopics on their papers), with the
 * lineage of the fine topics.
 */
export function continueTopics(
  fitted: FittedTopics,
  previous: Clusters,
): { topics: FittedTopics; lineage: Lineage; nextTopicId: number; nextBroadTopicId: number } {
  const fine = matchTopics(
    previous.topics,
    fitted.topics.map((topic) => topic.paperIds),
    previous.history.nextTopicId,
  );
  const papersOfBroad = (topics: Clusters['topics'], broad: { topicIds: number[] }) =>
    broad.topicIds.flatMap((id) => topics.find((topic) => topic.id === id)!.paperIds);
  const broad = matchTopics(
    previous.broadTopics.map((group) => ({ id: group.id, paperIds: papersOfBroad(previous.topics, group) })),
    fitted.broadTopics.map((group) => papersOfBroad(fitted.topics, group)),
    previous.history.nextBroadTopicId,
  );
  // a fitted topic's id is its place in fitted.topics, and likewise for broad topics
  const topicId = (id: number) => fine.ids[id];
  const broadId = (id: number) => broad.ids[id];
  const topics: FittedTopics = {
    ...fitted,
    topics: fitted.topics.map((topic) => ({
      ...topic,
      id: topicId(topic.id),
      parent: broadId(topic.parent),
      nearestTopic: topic.nearestTopic && { ...topic.nearestTopic, id: topicId(topic.nearestTopic.id) },
    })),
    outliers: fitted.outliers.map((outlier) => ({ ...outlier, nearestTopic: topicId(outlier.nearestTopic) })),
    broadTopics: fitted.broadTopics.map((group) => ({ ...group, id: broadId(group.id), topicIds: group.topicIds.map(topicId) })),
  };
  const { births, deaths, merges, splits } = fine;
  return { topics, lineage: { births, deaths, merges, splits }, nextTopicId: fine.nextId, nextBroadTopicId: broad.nextId };
}
