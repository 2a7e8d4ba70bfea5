import { dot } from '../shared/vectors.js';

export interface TopicFigures {
  /** Paper rows of the topic, most central first; outliers excluded. */
  members: number[];
  /** Mean cosine similarity of the members to the topic's centre. */
  cohesion: number;
  nearestTopic: { topic: number; similarity: number } | undefined;
}

export interface Outlier {
  row: number;
  topic: number;
  similarity: number;
}

/** Topics smaller than this have too few papers to call any of them unusual. */
const MIN_TOPIC_FOR_OUTLIERS = 5;

export const OUTLIER_RULE =
  "a paper is an outlier when its similarity to its topic's centre is below the topic's lower Tukey fence " +
  `(first quartile - 1.5 x interquartile range of its papers' similarities), in topics of at least ${MIN_TOPIC_FOR_OUTLIERS} papers`;

function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
}

/**
 * Per-topic figures and outliers from an assignment: members ordered by
 * closeness to the centre (the first are the representatives), cohesion,
 * the nearest other topic by centre similarity, and the papers far from
 * their own topic, which are flagged rather than left to dilute it.
 */
export function describeTopics(
  dim: number,
  centres: Float32Array,
  assignments: Int32Array,
  similarities: Float64Array,
): { topics: TopicFigures[]; outliers: Outlier[] } {
  const k = centres.length / dim;
  const byTopic: number[][] = Array.from({ length: k }, () => []);
  assignments.forEach((topic, row) => byTopic[topic].push(row));
  const outliers: Outlier[] = [];
  const topics = byTopic.map((rows, topic) => {
    const ordered = [...rows].sort((a, b) => similarities[b] - similarities[a] || a - b);
    let members = ordered;
    if (rows.length >= MIN_TOPIC_FOR_OUTLIERS) {
      const sorted = rows.map((row) => similarities[row]).sort((a, b) => a - b);
      const q1 = quantile(sorted, 0.25);
      const fence = q1 - 1.5 * (quantile(sorted, 0.75) - q1);
      members = ordered.filter((row) => similarities[row] >= fence);
      for (const row of ordered.slice(members.length)) outliers.push({ row, topic, similarity: similarities[row] });
    }
    const cohesion = members.reduce((sum, row) => sum + similarities[row], 0) / Math.max(1, members.length);
    let nearestTopic: TopicFigures['nearestTopic'];
    for (let other = 0; other < k; other++) {
      if (other === topic) continue;
      const similarity = dot(centres, topic * dim, centres, other * dim, dim);
      if (!nearestTopic || similarity > nearestTopic.similarity) nearestTopic = { topic: other, similarity };
    }
    return { members, cohesion, nearestTopic };
  });
  outliers.sort((a, b) => a.row - b.row);
  return { topics, outliers };
}
