import type { TeamNames } from '../store/names.js';
import { checkTeamNames } from '../store/names.js';
import type { BroadTopic, Clusters, Topic } from '../store/schemas.js';
import type { VectorBlocks } from '../shared/vectors.js';
import { similarityToOwnTopicOver, topicCentresOver } from './passes.js';
import { describeTopics } from './topics.js';

const round = (value: number) => Math.round(value * 10_000) / 10_000;
const REPRESENTATIVES = 5;

/**
 * The topics with papers moved between them (each paper's topic id in
 * `topicOf`): members, sizes, representatives, cohesion, nearest topics and
 * outliers measured again; words and quality figures stay each topic's own
 * (`templates` give those of a topic the clusters lack). A topic left with
 * no paper is gone, and so is a broad topic left with no topic.
 */
function regroup(clusters: Clusters, topicOf: Int32Array, templates: ReadonlyMap<number, Topic>, paperIds: readonly string[], vectors: VectorBlocks): Clusters {
  const ids = [...new Set(topicOf)].sort((a, b) => a - b);
  const local = new Map(ids.map((id, index) => [id, index]));
  const assignments = Int32Array.from(topicOf, (id) => local.get(id)!);
  const [centres] = topicCentresOver(vectors, [{ assignments, k: ids.length }]);
  const { topics: figures, outliers } = describeTopics(vectors.dim, centres, assignments, similarityToOwnTopicOver(vectors, centres, assignments));
  const byId = new Map(clusters.topics.map((topic) => [topic.id, topic]));
  const topics: Topic[] = figures
    .map((figure, index) => ({
      ...(byId.get(ids[index]) ?? templates.get(ids[index])!),
      size: figure.members.length,
      cohesion: round(figure.cohesion),
      nearestTopic: figure.nearestTopic ? { id: ids[figure.nearestTopic.topic], similarity: round(figure.nearestTopic.similarity) } : null,
      representatives: figure.members.slice(0, REPRESENTATIVES).map((row) => paperIds[row]),
      paperIds: figure.members.map((row) => paperIds[row]),
    }))
    .sort((a, b) => b.size - a.size || a.id - b.id);
  const broadTopics: BroadTopic[] = clusters.broadTopics
    .map((broad) => {
      const members = topics.filter((topic) => topic.parent === broad.id);
      return { ...broad, topicIds: members.map((topic) => topic.id), size: members.reduce((sum, topic) => sum + topic.size, 0) };
    })
    .filter((broad) => broad.topicIds.length > 0);
  return {
    ...clusters,
    k: topics.length,
    topics,
    broadTopics,
    outliers: outliers.map((outlier) => ({ id: paperIds[outlier.row], nearestTopic: ids[outlier.topic], similarity: round(outlier.similarity) })),
    quality: { ...clusters.quality, weakTopics: topics.filter((topic) => topic.weak).length },
  };
}

/** Each paper's topic id, an outlier counted in its nearest topic. */
function topicsOfPapers(clusters: Clusters, ids: readonly string[]): Int32Array {
  const row = new Map(ids.map((id, index) => [id, index]));
  const topicOf = new Int32Array(ids.length);
  for (const topic of clusters.topics) for (const id of topic.paperIds) topicOf[row.get(id)!] = topic.id;
  for (const outlier of clusters.outliers) topicOf[row.get(outlier.id)!] = outlier.nearestTopic;
  return topicOf;
}

/**
 * What a team asked for in topics.yaml, done on this run's topics: on a
 * refit, a pinned topic takes back the papers it held (under its id, with its
 * words); a merged topic's papers join the topic it is merged into (chains
 * followed); names are set. Ids the file names must be topics of this map,
 * or topics merged away by an earlier run.
 */
export function applyTeamNames(clusters: Clusters, names: TeamNames, last: Clusters | undefined, ids: readonly string[], vectors: VectorBlocks): Clusters {
  const mergedBefore = last?.team?.merged ?? [];
  const known = new Set([...clusters.topics.map((topic) => topic.id), ...mergedBefore.map((merge) => merge.from), ...(last?.team?.pinned ?? [])]);
  checkTeamNames(names, known, new Set(clusters.broadTopics.map((broad) => broad.id)));
  const topicOf = topicsOfPapers(clusters, ids);
  const templates = new Map<number, Topic>();
  let moved = false;
  const refit = clusters.history.run === 'fitted';
  for (const [id, wish] of names.topics) {
    const before = last?.topics.find((topic) => topic.id === id);
    if (!wish.pin || !refit || !before) continue;
    const held = new Set(before.paperIds);
    ids.forEach((paperId, row) => {
      if (held.has(paperId)) topicOf[row] = id;
    });
    // the pinned topic keeps its words; its broad topic is the one most of its papers are in now
    const parent = clusters.topics.find((topic) => topic.id === id)?.parent ?? clusters.topics.find((topic) => held.has(topic.paperIds[0]))?.parent;
    templates.set(id, { ...before, parent: parent ?? clusters.broadTopics[0].id });
    moved = true;
  }
  const finalTarget = (id: number): number => {
    const into = names.topics.get(id)?.merge;
    return into === undefined ? id : finalTarget(into);
  };
  // the papers of each merged topic: as it is now, or as it was when an earlier run merged it (a refit merges them again)
  const rowOf = new Map(ids.map((paperId, row) => [paperId, row]));
  const merged: { from: number; into: number; paperIds: string[] }[] = [];
  for (const [from, wish] of names.topics) {
    if (wish.merge === undefined) continue;
    const into = finalTarget(from);
    const now = ids.flatMap((paperId, row) => (topicOf[row] === from ? [paperId] : []));
    const paperIds = now.length > 0 ? now : (mergedBefore.find((merge) => merge.from === from)?.paperIds ?? []);
    for (const id of paperIds) {
      const row = rowOf.get(id);
      if (row !== undefined && (topicOf[row] === from || refit)) topicOf[row] = into;
    }
    merged.push({ from, into, paperIds });
    moved ||= paperIds.length > 0;
  }
  const regrouped = moved ? regroup(clusters, topicOf, templates, ids, vectors) : clusters;
  const pinned = [...names.topics].flatMap(([id, wish]) => (wish.pin ? [id] : []));
  const gone = clusters.topics.length - regrouped.topics.length;
  const summary =
    gone > 0 &&
    clusters.kSelection.summary &&
    `${clusters.kSelection.summary} topics.yaml merges ${gone} of them into others, leaving ${regrouped.topics.length}.`;
  return {
    ...regrouped,
    topics: regrouped.topics.map((topic) => {
      const wish = names.topics.get(topic.id);
      const { name: _, pinned: __, ...automatic } = topic;
      return { ...automatic, ...(wish?.name ? { name: wish.name } : {}), ...(wish?.pin ? { pinned: true } : {}) };
    }),
    broadTopics: regrouped.broadTopics.map((broad) => {
      const { name: _, ...automatic } = broad;
      const wish = names.broad.get(broad.id);
      return wish ? { ...automatic, name: wish.name } : automatic;
    }),
    kSelection: { ...regrouped.kSelection, ...(summary ? { summary } : {}) },
    team: { hash: names.hash, merged, pinned },
  };
}
