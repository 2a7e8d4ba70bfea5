/** What colour each point takes: its topic's, or its value of a colouring (date, category), and how strong: a topic filter dims the others. */
import type { MapState } from './context.js';
import type { PageData, Points } from './data.js';

export const OUTLIER = '#9ca3af';
/** A paper without a value of the colouring shown. */
export const NO_VALUE = '#d1d5db';
/** How strong a topic the filter leaves out is drawn. */
export const DIMMED = 0.12;

/** The value of each point and the palette it indexes, for the colouring in `state.colourBy`. */
export function coloursOf(data: PageData, points: Points, colourBy: number): { values: Uint16Array; palette: string[] } {
  if (colourBy < 0 || colourBy >= data.colourings.length) return { values: points.topic, palette: [OUTLIER, ...data.topics.map((topic) => topic.colour)] };
  return { values: points.colourings[colourBy], palette: [NO_VALUE, ...data.colourings[colourBy].colours] };
}

/** The strength of each topic (index 0 the outliers, then 1 + place). */
export function topicStrength(data: PageData, filter: MapState['filter']): Float32Array {
  const strength = new Float32Array(data.topics.length + 1).fill(1);
  if (!filter) return strength;
  strength.fill(DIMMED);
  for (const topic of filter.topics) strength[topic + 1] = 1;
  return strength;
}
