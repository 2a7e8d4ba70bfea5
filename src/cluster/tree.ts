import { averageLinkage, cutTree, type Merge } from './hierarchy.js';

/** Broad topics a first look takes in: at least 3 areas, at most 12. */
export const BROAD_MIN = 3;
export const BROAD_MAX = 12;
/** From this many papers a middle level stands between broad and fine topics, so that no list a reader scans runs far past LIST_MAX. */
export const MIDDLE_FROM = 20_000;
export const LIST_MAX = 60;

export const BROAD_CRITERION = `the fine topics' centres joined by average linkage (cosine, weighted by size), cut where the merge height rises most, between ${BROAD_MIN} and ${BROAD_MAX} broad topics (and at most a third as many as the fine ones)`;

/** The levels above the fine topics: each fine topic's broad topic, and its middle topic when there is a middle level. */
export interface Tree {
  broadK: number;
  /** The broad topic of each fine topic. */
  broadOf: number[];
  middleK: number;
  /** The middle topic of each fine topic (empty without a middle level), and the broad topic of each middle topic. */
  middleOf: number[];
  middleParent: number[];
  /** For each number of broad topics tried, the rise of the merge height to the next merge. */
  gaps: { k: number; gap: number }[];
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

/** The number of groups, from lowest to highest, whose next merge rises most above the one that made them. */
function largestRise(merges: readonly Merge[], leaves: number, low: number, high: number): { k: number; gaps: { k: number; gap: number }[] } {
  const gaps: { k: number; gap: number }[] = [];
  for (let k = low; k <= Math.min(high, leaves - 1); k++) gaps.push({ k, gap: round6(merges[leaves - k].height - merges[leaves - k - 1].height) });
  const best = gaps.reduce((a, b) => (b.gap > a.gap ? b : a), gaps[0] ?? { k: Math.min(low, leaves), gap: 0 });
  return { k: best.k, gaps };
}

/**
 * The broad topics (and from MIDDLE_FROM papers a middle level) over fitted
 * fine topics: their centres joined by average linkage and the tree cut where
 * the merge height rises most, or into `broad` topics when given. The middle
 * level is cut from the same tree at the geometric mean of the two counts, so
 * each broad topic lists a handful of middle ones and each of those a handful
 * of fine ones. `centres`: the fine topics' (topicCentresOver), `dim` floats each.
 */
export function topicTree(centres: Float32Array, dim: number, fine: Int32Array, fineK: number, papers: number, broad?: number): Tree {
  const sizes = new Array<number>(fineK).fill(0);
  fine.forEach((topic) => sizes[topic]++);
  const merges = averageLinkage(centres, dim, sizes);
  // a broad topic holds about three fine topics at least, or it tells the reader nothing the fine ones do not
  const most = Math.max(BROAD_MIN, Math.min(BROAD_MAX, Math.floor(fineK / 3)));
  const rise = fineK <= BROAD_MIN ? { k: fineK, gaps: [] } : largestRise(merges, fineK, BROAD_MIN, most);
  const broadK = Math.min(broad ?? rise.k, fineK);
  const broadOf = Array.from(cutTree(merges, fineK, broadK));
  const wantsMiddle = papers >= MIDDLE_FROM && fineK >= 4 * broadK;
  if (!wantsMiddle) return { broadK, broadOf, middleK: 0, middleOf: [], middleParent: [], gaps: rise.gaps };
  const middleK = Math.round(Math.sqrt(fineK * broadK));
  const middleOf = Array.from(cutTree(merges, fineK, middleK));
  // the middle cut refines the broad cut (both come from one tree), so each middle topic has one broad parent
  const middleParent = new Array<number>(middleK).fill(0);
  middleOf.forEach((middle, topic) => (middleParent[middle] = broadOf[topic]));
  return { broadK, broadOf, middleK, middleOf, middleParent, gaps: rise.gaps };
}
